/**
 * The language server's persisted index: what a load published, keyed by a fingerprint of every
 * input that load read. Pure: the caller gives the hash function, the host and the environment.
 *
 * Invariant: an index is used only when every recorded input (each file read, each folder
 * listed, each symlink resolved, each environment variable read, the settings and the build)
 * answers exactly as when it was written; anything else, or an index that does not decode,
 * means it is ignored as a whole, never partly trusted.
 *
 * The clock is the one input no fingerprint can pin (it never answers twice alike): what a load
 * read of it (`run_started_at`, the time now, `random`) is recorded in `Fingerprint.clock`, and an
 * index whose load read it is still used — its diagnostics are a function of the files unless a
 * render branched on the time — with the reads named in the log; the load that follows always
 * republishes, so anything that depended on the time is corrected when it finishes.
 */
import type { Clock } from './clock';
import { joinPath, type FileHost, type ReadResult } from './host';
import { getString, parseYaml } from './yaml-tree';

export const INDEX_FORMAT = 1;
const MAGIC = `medallion-index ${INDEX_FORMAT}\n`;

/**
 * A digest of a string (the caller's: the core has no crypto). It must equal the digest of the
 * string's UTF-8 bytes, so a caller may hash a file's bytes without decoding them (`fileToken`).
 */
export type Hash = (text: string) => string;

/**
 * Where the index of a project lives: under its dbt target folder, never among its sources.
 * `targetOverride` is DBT_TARGET_PATH as the load reads it (it wins over dbt_project.yml, as in dbt).
 */
export function indexPath(root: string, dbtProjectText: string | undefined, targetOverride?: string): string {
  let target = 'target';
  if (dbtProjectText !== undefined) target = getString(parseYaml(dbtProjectText).root, 'target-path') ?? target;
  if (targetOverride) target = targetOverride;
  return joinPath(target.startsWith('/') ? '' : root, target, 'medallion', `index-v${INDEX_FORMAT}.bin`);
}

/** Which environment an analysis read a variable from: the parse-time render's, or the process's (profiles folders). */
export type EnvSource = 'parse' | 'process';

export interface Fingerprint {
  /** The analysing code itself (a new build may analyse differently). */
  build: string;
  /** Settings that change the analysis (trust, layers). */
  settings: string;
  /** path → token of what reading it returned. */
  files: Array<[string, string]>;
  /** folder → token of its listing. */
  lists: Array<[string, string]>;
  /** path → its physical path. */
  real: Array<[string, string]>;
  /** `source:name` → token of the value (a hash, never the value). */
  env: Array<[string, string]>;
  /** What of the clock the load read, in the order first read: `run_started_at`, `now`, `random` (absent: nothing). */
  clock?: ClockRead[];
}

export type ClockRead = 'run_started_at' | 'now' | 'random';

export interface PersistedIndex {
  format: number;
  root: string;
  fingerprint: Fingerprint;
  /** Relative file → the JSON of the LSP diagnostics published for it (files without any are absent). */
  diagnostics: Array<[string, string]>;
}

const ALL_KEYS = '*';

/** A read's token: the kind, and for text a hash of it. */
export function readToken(result: ReadResult, hash: Hash): string {
  switch (result.kind) {
    case 'text':
      return `t${hash(result.text)}`;
    case 'too-large':
      return `L${result.size}`;
    case 'missing':
      return 'm';
    case 'error':
      return `e${result.message}`;
  }
}

function listToken(paths: string[], hash: Hash): string {
  return `${paths.length}:${hash(paths.join('\n'))}`;
}

function envToken(value: string | undefined, hash: Hash): string {
  return value === undefined ? 'u' : `v${hash(value)}`;
}

function allEnvToken(env: Record<string, string | undefined>, hash: Hash): string {
  return hash(
    Object.keys(env)
      .sort()
      .map((k) => `${k}=${hash(env[k] ?? '')}`)
      .join('\n'),
  );
}

/**
 * A FileHost and environments that remember what an analysis read through them. The texts are
 * kept (an analysis holds them anyway) and hashed only when an index is written. A path read
 * twice with different answers (a file changing under the load) makes the record unusable.
 */
export class InputRecorder implements FileHost {
  private readonly reads = new Map<string, ReadResult>();
  private readonly lists = new Map<string, string[]>();
  private readonly reals = new Map<string, string>();
  private readonly envReads = new Map<string, string | undefined | Record<string, string | undefined>>();
  private readonly clockReads = new Set<ClockRead>();
  /** Why this record cannot key an index (an input changed while it was read). */
  unstable: string | undefined;

  constructor(private readonly host: FileHost) {
    if (host.realPath) this.realPath = (path: string): string => this.remember(this.reals, path, host.realPath!(path), (a, b) => a === b);
  }

  realPath?: (path: string) => string;

  read(path: string): ReadResult {
    return this.remember(this.reads, path, this.host.read(path), sameRead);
  }

  list(dir: string): string[] {
    return this.remember(this.lists, dir, this.host.list(dir), (a, b) => a.length === b.length && a.every((p, i) => p === b[i]));
  }

  /** The text the analysis read at `path`, if it read one. */
  textOf(path: string): string | undefined {
    const r = this.reads.get(path);
    return r?.kind === 'text' ? r.text : undefined;
  }

  /** An edit the analysis took without reading the host (an open document's new text). */
  edited(path: string, text: string): void {
    this.reads.set(path, { kind: 'text', text });
  }

  /** `env` as seen through this record: each variable read is remembered with its value. */
  environment(source: EnvSource, env: Record<string, string | undefined>): Record<string, string | undefined> {
    const note = (key: string, value: string | undefined | Record<string, string | undefined>): void => {
      const id = `${source}:${key}`;
      if (!this.envReads.has(id)) this.envReads.set(id, value);
    };
    return new Proxy(env, {
      get(target, key) {
        if (typeof key !== 'string') return undefined;
        const value = target[key];
        note(key, value);
        return value;
      },
      has(target, key) {
        if (typeof key === 'string') note(key, target[key]);
        return key in target;
      },
      ownKeys(target) {
        note(ALL_KEYS, { ...target });
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor(target, key) {
        if (typeof key === 'string') note(key, target[key]);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
  }

  /** `clock` as seen through this record: each kind of read is remembered. */
  clock(clock: Clock): Clock {
    const reads = this.clockReads;
    return {
      started: () => (reads.add('run_started_at'), clock.started()),
      now: () => (reads.add('now'), clock.now()),
      random: () => (reads.add('random'), clock.random()),
    };
  }

  /** The fingerprint of everything read so far. */
  fingerprint(build: string, settings: string, hash: Hash): Fingerprint {
    return {
      build,
      settings,
      files: [...this.reads].map(([path, r]) => [path, readToken(r, hash)]),
      lists: [...this.lists].map(([dir, paths]) => [dir, listToken(paths, hash)]),
      real: [...this.reals],
      env: [...this.envReads].map(([id, value]) => [id, typeof value === 'object' ? allEnvToken(value, hash) : envToken(value, hash)]),
      ...(this.clockReads.size > 0 ? { clock: [...this.clockReads] } : {}),
    };
  }

  private remember<T>(map: Map<string, T>, key: string, value: T, same: (a: T, b: T) => boolean): T {
    const before = map.get(key);
    if (before === undefined) map.set(key, value);
    else if (!this.unstable && !same(before, value)) this.unstable = `${key} changed while the project was read`;
    return value;
  }
}

function sameRead(a: ReadResult, b: ReadResult): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'text') return a.text === (b as { text: string }).text;
  if (a.kind === 'too-large') return a.size === (b as { size: number }).size;
  return true;
}

/**
 * Why `stored` does not describe the inputs as they are now (the first difference found), or
 * undefined when every input answers as recorded. Reads each recorded input once.
 */
export function fingerprintDiffers(
  stored: Fingerprint,
  now: {
    build: string;
    settings: string;
    host: FileHost;
    env: Record<EnvSource, Record<string, string | undefined>>;
    hash: Hash;
    /** A faster way to a file's `readToken` (its bytes hashed undecoded); undefined: read it through the host. */
    fileToken?: (path: string) => string | undefined;
  },
): string | undefined {
  if (stored.build !== now.build) return 'a different build of Medallion wrote it';
  if (stored.settings !== now.settings) return 'the editor settings changed';
  for (const [id, token] of stored.env) {
    const colon = id.indexOf(':');
    const env = now.env[id.slice(0, colon) as EnvSource];
    if (!env) return `unknown environment in ${id}`;
    const key = id.slice(colon + 1);
    const current = key === ALL_KEYS ? allEnvToken(env, now.hash) : envToken(env[key], now.hash);
    if (current !== token) return `environment variable ${key} changed`;
  }
  for (const [path, real] of stored.real) if ((now.host.realPath?.(path) ?? path) !== real) return `${path} now resolves elsewhere`;
  for (const [dir, token] of stored.lists) if (listToken(now.host.list(dir), now.hash) !== token) return `files were added or removed under ${dir}`;
  for (const [path, token] of stored.files) if ((now.fileToken?.(path) ?? readToken(now.host.read(path), now.hash)) !== token) return `${path} changed`;
  return undefined;
}

export function encodeIndex(index: PersistedIndex): string {
  return MAGIC + JSON.stringify(index);
}

const isPairs = (v: unknown): v is Array<[string, string]> => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');

/** The index in `text`, or why it cannot be used (another format, truncated, not ours). */
export function decodeIndex(text: string, root: string): { index: PersistedIndex } | { problem: string } {
  if (!text.startsWith(MAGIC)) return { problem: text.startsWith('medallion-index ') ? 'written by another index format' : 'not a Medallion index' };
  let value: unknown;
  try {
    value = JSON.parse(text.slice(MAGIC.length));
  } catch (err) {
    return { problem: `unreadable (${(err as Error).message})` };
  }
  const index = value as PersistedIndex;
  const f = index?.fingerprint;
  if (typeof index !== 'object' || index === null || index.format !== INDEX_FORMAT || typeof f !== 'object' || f === null) return { problem: 'not a Medallion index' };
  if (index.root !== root) return { problem: `written for another project (${String(index.root)})` };
  if (typeof f.build !== 'string' || typeof f.settings !== 'string' || ![f.files, f.lists, f.real, f.env, index.diagnostics].every(isPairs)) return { problem: 'malformed' };
  if (f.clock !== undefined && !(Array.isArray(f.clock) && f.clock.every((r) => r === 'run_started_at' || r === 'now' || r === 'random'))) return { problem: 'malformed' };
  return { index };
}
