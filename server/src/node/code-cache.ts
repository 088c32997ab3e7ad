/**
 * V8 code cache for the CLI bundle. Compiling dist/medallion.js (and lazily, each function a command
 * calls) is a large share of a short command's time; V8 can serialize the compiled code after a run
 * and accept it on the next start instead of compiling again. Node 20 has no
 * `module.enableCompileCache`, so the bundle is compiled here with `vm.Script` and `cachedData`.
 *
 * One cache file per bundle file, Node version and architecture, in the user's cache folder
 * (`$XDG_CACHE_HOME/medallion/code-cache`, `~/Library/Caches/...`, `%LOCALAPPDATA%\...`), written
 * atomically (temporary file + rename) with a checksum of its own: a corrupt or foreign file is ignored
 * and replaced, never executed. Anything that goes wrong here (read-only home, full disk) falls back
 * to compiling without a cache: the cache can make a command faster, never make it fail.
 *
 * MEDALLION_CODE_CACHE=off disables it, MEDALLION_CODE_CACHE=debug reports on stderr what happened,
 * MEDALLION_CODE_CACHE_DIR chooses the folder.
 */
import * as buffer from 'node:buffer';
import { createHash } from 'node:crypto';
import { type BigIntStats, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vm from 'node:vm';

/** accepted: compiled from the cache; rejected: V8 refused it (other V8 flags); missing / corrupt: no usable file; off: disabled. */
export type CodeCacheOutcome = 'accepted' | 'rejected' | 'missing' | 'corrupt' | 'off';

export interface CachedModule {
  exports: unknown;
  outcome: CodeCacheOutcome;
  /**
   * Writes the cache when it was not accepted or came from a shallower run. Call it after the
   * command: V8 then includes every function the command compiled. `deep`: this run loaded a
   * project (its cache holds the loader, so it replaces one written after `--help`).
   */
  save(deep: boolean): void;
}

type Env = Record<string, string | undefined>;

type CreateRequire = (file: string) => NodeJS.Require;
/**
 * `module.createRequire`, taken from the CommonJS loader's own Module class (what `require('node:module')`
 * exports): requiring node:module makes Node compile it and the ES module loader and source-map support
 * it pulls in (~1.2 ms of every command's start), none of which the CLI uses.
 */
const createRequire: CreateRequire =
  (typeof module === 'object' && (module.constructor as { createRequire?: CreateRequire } | undefined)?.createRequire) ||
  (require('node:module') as { createRequire: CreateRequire }).createRequire;

/** `buffer.isAscii` (Node >= 18.15 / 19.6); undefined before, where the bundle is decoded as UTF-8. */
const isAscii = (buffer as { isAscii?: (input: Uint8Array) => boolean }).isAscii;

// File layout: MAGIC, one byte depth (0 shallow, 1 deep), the SHA-1 of the V8 data, the V8 data.
const MAGIC = Buffer.from('MEDCC01\n');
const HEADER = MAGIC.length + 1 + 20;

// The same wrapper as Node's own CommonJS loader, on the first line: stack traces keep their lines.
const WRAPPER_START = Buffer.from('(function (exports, require, module, __filename, __dirname) { ');
const WRAPPER_END = Buffer.from('\n});');

/**
 * The folder for the cache files, and the folder that must already exist for it to be created (the
 * home or the cache folder the platform names): undefined when there is none.
 */
export function codeCacheDir(env: Env, platform: NodeJS.Platform, home: string | undefined): { dir: string; within: string } | undefined {
  if (env.MEDALLION_CODE_CACHE_DIR) return { dir: env.MEDALLION_CODE_CACHE_DIR, within: dirname(env.MEDALLION_CODE_CACHE_DIR) };
  let base: string | undefined;
  let within: string | undefined;
  if (platform === 'win32') base = within = env.LOCALAPPDATA;
  else if (platform === 'darwin') [base, within] = home ? [join(home, 'Library', 'Caches'), home] : [];
  else if (env.XDG_CACHE_HOME) base = within = env.XDG_CACHE_HOME;
  else [base, within] = home ? [join(home, '.cache'), home] : [];
  return base && within ? { dir: join(base, 'medallion', 'code-cache'), within } : undefined;
}

/**
 * `require(file)` for a CommonJS bundle, compiled through the code cache. `variant` names a cache of
 * its own for runs under other V8 flags (a cache made under different flags is rejected, and two kinds
 * of run sharing one file would replace each other's).
 */
export function requireWithCodeCache(file: string, env: Env = process.env, variant?: string): CachedModule {
  const mode = env.MEDALLION_CODE_CACHE;
  const debug = mode === 'debug' ? (message: string) => process.stderr.write(`medallion code cache: ${message}\n`) : () => undefined;
  const location = mode === 'off' ? undefined : codeCacheDir(env, process.platform, safeHomedir());
  if (!location) {
    debug('off');
    return { exports: createRequire(file)(file), outcome: 'off', save: () => undefined };
  }
  // Read straight between its wrapper's bytes (`Buffer.concat` of the three copied the 2 MB bundle again).
  const { wrapped, stat } = readWrapped(file);
  const bytes = wrapped.subarray(WRAPPER_START.length, wrapped.length - WRAPPER_END.length);
  // Keyed by the file, not its content: hashing the 1.4 MB bundle cost ~1.3 ms of every start. Any write
  // to the file changes its ctime (which no tool can set back; ns on ext4, APFS, NTFS), and the build
  // replaces each bundle by a new file (a new inode): a rebuilt or edited bundle never meets the cache of
  // the old one. A copied or reinstalled bundle compiles once more.
  const key = createHash('sha1').update(`${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`).digest('hex').slice(0, 20);
  const prefix = `${basename(file, '.js')}-${variant ? `${variant}-` : ''}`;
  const cachePath = join(location.dir, `${prefix}${process.version}-${process.arch}-${key}.bin`);
  const stored = readCacheFile(cachePath);
  // Decoded once, with its wrapper: a wrapper concatenated to the decoded text made a second 2 MB string.
  // The build makes the bundle ASCII: decoded as Latin-1 (the same text) it is a one-byte string, read ~4x faster than through UTF-8.
  const source = isAscii?.(bytes) ? wrapped.toString('latin1') : wrapped.toString('utf8');
  const script = new vm.Script(source, {
    filename: file,
    ...(stored.data ? { cachedData: stored.data } : {}),
    // Where Node supports it, a dynamic import() in the bundle resolves as in a module; the build turns
    // the bundle's own dynamic imports into require() calls for the Node versions where it does not.
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  const outcome: CodeCacheOutcome = !stored.data ? stored.problem : script.cachedDataRejected ? 'rejected' : 'accepted';
  debug(`${outcome} ${cachePath}`);
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    outcome,
    save(deep) {
      const depth = deep ? 1 : 0;
      if (outcome === 'accepted' && stored.depth >= depth) return;
      try {
        writeCacheFile(cachePath, location.within, script.createCachedData(), depth, prefix);
        debug(`written ${cachePath}`);
      } catch (err) {
        debug(`not written: ${(err as Error).message}`);
      }
    },
  };
}

/** The file's bytes between WRAPPER_START and WRAPPER_END, in one buffer, and its status when opened. */
function readWrapped(file: string): { wrapped: Buffer; stat: BigIntStats } {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd, { bigint: true });
    const size = Number(stat.size);
    const out = Buffer.allocUnsafe(WRAPPER_START.length + size + WRAPPER_END.length);
    WRAPPER_START.copy(out, 0);
    let read = 0;
    // read(2) may return less than asked; a file that shrank while read ends where reading did.
    while (read < size) {
      const n = readSync(fd, out, WRAPPER_START.length + read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    WRAPPER_END.copy(out, WRAPPER_START.length + read);
    return { wrapped: out.subarray(0, WRAPPER_START.length + read + WRAPPER_END.length), stat };
  } finally {
    closeSync(fd);
  }
}

function readCacheFile(path: string): { data?: Buffer; depth: number; problem: 'missing' | 'corrupt' } {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return { depth: 0, problem: 'missing' };
  }
  const data = file.subarray(HEADER);
  const sum = file.subarray(MAGIC.length + 1, HEADER);
  if (file.length <= HEADER || !file.subarray(0, MAGIC.length).equals(MAGIC) || !createHash('sha1').update(data).digest().equals(sum)) return { depth: 0, problem: 'corrupt' };
  return { data, depth: file[MAGIC.length]!, problem: 'corrupt' };
}

function writeCacheFile(path: string, within: string, data: Buffer, depth: number, prefix: string): void {
  const dir = dirname(path);
  // Created inside an existing home or cache folder, never where a home that does not exist would be.
  if (!existsSync(within)) throw new Error(`${within} does not exist`);
  mkdirSync(dir, { recursive: true });
  const header = Buffer.concat([MAGIC, Buffer.from([depth]), createHash('sha1').update(data).digest()]);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat([header, data]));
    renameSync(temporary, path);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
    throw err;
  }
  // Caches of older builds of this bundle are dead weight: one file per bundle and Node version stays.
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${prefix}${process.version}-${process.arch}-`) && name.endsWith('.bin') && join(dir, name) !== path) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another process removed it first
      }
    }
  }
}

/**
 * `os.homedir()`, which returns HOME (USERPROFILE on Windows) when set: read here first, node:os is
 * loaded only without it.
 */
function safeHomedir(): string | undefined {
  const set = process.platform === 'win32' ? process.env.USERPROFILE : process.env.HOME;
  if (set) return set;
  try {
    return (require('node:os') as typeof import('node:os')).homedir();
  } catch {
    return undefined;
  }
}
