/**
 * `medallion deps`: the I/O around core/deps/packages.ts. Reads packages.yml or dependencies.yml,
 * resolves through the dbt hub (DBT_PACKAGE_HUB_URL, else hub.getdbt.com), git and local folders,
 * writes package-lock.yml when it is missing, stale (its sha1_hash differs) or --upgrade asks, then
 * installs exactly what the lock says into dbt_packages/ the way dbt does (hub tarballs unpacked and
 * named after the package, git checkouts moved in, local packages symlinked). The new
 * dbt_packages/ replaces the old one only when every package is in: a failure leaves it as it was.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseYaml, toJS, getString } from '../core/yaml-tree';
import { renderEnvString } from '../core/session';
import {
  DBT_VERSION,
  lockedHash,
  lockFileText,
  lockHashInput,
  readPackageEntries,
  resolveLockedPackages,
  resolvePackages,
  type HubVersion,
  type Need,
  type Oracle,
  type PackageEntry,
  type Pinned,
  type ProjectMetadata,
  type Resolution,
  type ResolvedPackage,
} from '../core/deps/packages';
import { commonPrefix, readTarGz } from './tar';

export class DepsError extends Error {}

export interface DepsOptions {
  env: Record<string, string | undefined>;
  /** Ignore the lock: resolve again and write a new one. */
  upgrade?: boolean;
  /** Write the lock, install nothing. */
  lockOnly?: boolean;
  onEvent?: (message: string) => void;
  /** What dbt warns about (an unpinned git package). */
  onWarning?: (message: string) => void;
  /** Test seam: how long a hub request may take (ms). */
  timeoutMs?: number;
}

export interface DepsResult {
  packages: Array<ResolvedPackage & { updateAvailable?: string }>;
  lockWritten: boolean;
  installPath: string;
}

const LOCK_FILE = 'package-lock.yml';

/** The root's package entries (dbt: packages.yml, else dependencies.yml; never both). */
function rootEntries(root: string, render: (v: string) => string): { entries: PackageEntry[]; file?: string } {
  const read = (name: string): { packages?: unknown; text: string } | undefined => {
    const path = join(root, name);
    if (!existsSync(path)) return undefined;
    const text = readFileSync(path, 'utf8');
    const value = toJS(parseYaml(text).root) as { packages?: unknown } | null;
    return { ...(value && typeof value === 'object' ? value : {}), text };
  };
  const packages = read('packages.yml');
  const dependencies = read('dependencies.yml');
  if (packages?.packages !== undefined && dependencies?.packages !== undefined) throw new DepsError("The 'packages' key cannot be specified in both packages.yml and dependencies.yml");
  const chosen = packages?.packages !== undefined ? ['packages.yml', packages] : dependencies?.packages !== undefined ? ['dependencies.yml', dependencies] : undefined;
  if (!chosen) return { entries: [] };
  const [file, content] = chosen as [string, { text: string }];
  const { entries, problems } = readPackageEntries(content.text, file, render);
  if (problems.length) throw new DepsError(problems.join('\n'));
  return { entries, file };
}

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function md5(text: string): string {
  return createHash('md5').update(text, 'latin1').digest('hex');
}

function hubBase(env: Record<string, string | undefined>): string {
  return env.DBT_PACKAGE_HUB_URL || 'https://hub.getdbt.com/';
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function gitFailure(err: unknown): string {
  const e = err as { stderr?: string; code?: string; message: string };
  if (e.code === 'ENOENT') return 'git is not installed (or not on PATH); git packages need it';
  const lines = (e.stderr ?? e.message).trim().split('\n').filter(Boolean);
  return lines.slice(-2).join(' ');
}

/** Network and disk behind the resolver's questions, each asked once. */
class Fetcher implements Oracle {
  index: string[] | undefined;
  readonly hub = new Map<string, Record<string, HubVersion> | null>();
  readonly projects = new Map<string, ProjectMetadata>();
  /** Git checkouts by the name dbt gives them (md5 of the repository and subdirectory). */
  readonly checkouts = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly downloads: string,
    private readonly options: DepsOptions,
  ) {}

  hubIndex(): string[] | undefined {
    return this.index;
  }

  hubPackage(name: string): Record<string, HubVersion> | undefined | null {
    return this.hub.get(name);
  }

  project(pinned: Pinned): ProjectMetadata | undefined {
    return this.projects.get(JSON.stringify(pinned));
  }

  async fulfil(need: Need): Promise<void> {
    if (need.kind === 'hub-index') this.index = (await this.getJson('index', `package ${need.package} (its index)`)) as string[];
    else if (need.kind === 'hub-package') {
      const body = (await this.getJson(need.package, `package ${need.package}`)) as { versions?: Record<string, HubVersion> } | null;
      this.hub.set(need.package, body?.versions ?? null);
    } else this.projects.set(JSON.stringify(need.pinned), this.readProject(need.pinned));
  }

  private async getJson(name: string, what: string): Promise<unknown> {
    const url = `${hubBase(this.options.env)}api/v1/${name}.json`;
    this.options.onEvent?.(`hub: GET ${url}`);
    let lastError = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
        if (response.status === 404) return null;
        if (!response.ok) {
          lastError = `HTTP ${response.status}`;
          continue;
        }
        const body = (await response.json()) as unknown;
        if (name === 'index' ? !Array.isArray(body) : !body || typeof body !== 'object' || !('versions' in body)) throw new DepsError(`The package hub at ${hubBase(this.options.env)} answered ${url} with something that is not dbt's hub format (for ${what})`);
        return body;
      } catch (err) {
        if (err instanceof DepsError) throw err;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        lastError = cause?.code ?? cause?.message ?? (err as Error).message;
      }
    }
    throw new DepsError(`Cannot reach the dbt package hub at ${hubBase(this.options.env)} for ${what} (${lastError}). Check the network or proxy, or point DBT_PACKAGE_HUB_URL at a reachable hub.`);
  }

  /** dbt's git checkout: a shallow clone named after the repository, then the revision fetched and reset to. */
  checkout(p: Extract<Pinned, { kind: 'git' }>): string {
    const name = md5(p.subdirectory ? `${p.git}/${p.subdirectory}` : p.git);
    const dir = join(this.downloads, name);
    const label = p.subdirectory ? `${p.gitUnrendered} (subdirectory ${p.subdirectory})` : p.gitUnrendered;
    try {
      if (!existsSync(dir)) {
        git(['clone', '--depth', '1', ...(p.subdirectory ? ['--filter=blob:none', '--sparse'] : []), p.git, name], this.downloads);
        if (p.subdirectory) git(['sparse-checkout', 'set', p.subdirectory], dir);
      }
      const isCommit = /^[0-9a-f]{40}$/.test(p.revision);
      if (isCommit) git(['fetch', 'origin', '--depth', '1', p.revision], dir);
      else {
        git(['remote', 'set-branches', 'origin', p.revision], dir);
        git(['fetch', 'origin', '--depth', '1', '--tags', p.revision], dir);
      }
      const tags = git(['tag', '--list'], dir).trim().split('\n');
      const spec = isCommit ? p.revision : tags.includes(p.revision) ? `tags/${p.revision}` : `origin/${p.revision}`;
      git(['reset', '--hard', spec], dir);
    } catch (err) {
      throw new DepsError(`Cannot check out revision ${p.revision} of git package ${label}: ${gitFailure(err)}`);
    }
    this.checkouts.set(name, dir);
    return p.subdirectory ? join(dir, p.subdirectory) : dir;
  }

  private readProject(p: Pinned): ProjectMetadata {
    if (p.kind === 'hub') throw new Error('hub packages are described by the hub');
    const dir = p.kind === 'local' ? resolve(this.root, p.local) : this.checkout(p);
    const label = p.kind === 'local' ? `local package ${p.local}` : `git package ${p.gitUnrendered}`;
    const projectFile = join(dir, 'dbt_project.yml');
    if (!existsSync(projectFile)) throw new DepsError(`The ${label} has no dbt_project.yml (looked in ${dir}): every package must be a dbt project`);
    const name = getString(parseYaml(readFileSync(projectFile, 'utf8')).root, 'name');
    if (!name) throw new DepsError(`The ${label} has no name in ${projectFile}`);
    let packages: unknown[] = [];
    for (const file of ['packages.yml', 'dependencies.yml']) {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      const value = toJS(parseYaml(readFileSync(path, 'utf8')).root) as { packages?: unknown } | null;
      if (value && Array.isArray(value.packages)) {
        packages = value.packages;
        break;
      }
    }
    const meta: ProjectMetadata = { name, packages };
    if (p.kind === 'git' && p.warnUnpinned && ['HEAD', 'main', 'master'].includes(p.revision)) {
      this.options.onWarning?.(`The git package ${p.gitUnrendered} is not pinned (revision ${p.revision}): every install may bring different code. Pin a tag or commit, or set warn-unpinned: false.`);
    }
    if (p.kind === 'git') meta.sha = git(['rev-parse', 'HEAD'], this.checkouts.get(md5(p.subdirectory ? `${p.git}/${p.subdirectory}` : p.git))!).trim();
    return meta;
  }

  async settle(step: () => Resolution): Promise<ResolvedPackage[]> {
    for (;;) {
      const r = step();
      if (r.kind === 'done') return r.packages;
      if (r.kind === 'error') throw new DepsError(r.message);
      for (const need of r.needs) await this.fulfil(need);
    }
  }
}

/** packages-install-path from dbt_project.yml (default dbt_packages). */
function installPath(root: string): string {
  const text = readFileSync(join(root, 'dbt_project.yml'), 'utf8');
  const configured = getString(parseYaml(text).root, 'packages-install-path') ?? 'dbt_packages';
  return isAbsolute(configured) ? configured : join(root, configured);
}

function projectName(root: string): string {
  return getString(parseYaml(readFileSync(join(root, 'dbt_project.yml'), 'utf8')).root, 'name') ?? '';
}

export async function installDeps(root: string, options: DepsOptions): Promise<DepsResult> {
  const render = (v: string): string => renderEnvString(v, options.env);
  const { entries } = rootEntries(root, render);
  const target = installPath(root);
  const resolveOptions = { dbtVersion: DBT_VERSION, versionCheck: true, rootName: projectName(root) };
  const downloads = mkdtempSync(join(tmpdir(), 'medallion-deps-'));
  try {
    const fetcher = new Fetcher(root, downloads, options);
    const lockPath = join(root, LOCK_FILE);
    const hash = sha1(lockHashInput(entries));
    let lockWritten = false;
    if (entries.length === 0) {
      options.onEvent?.('No packages to install: packages.yml / dependencies.yml list none');
      return { packages: [], lockWritten, installPath: target };
    }
    const stale = !existsSync(lockPath) || options.upgrade || lockedHash(readFileSync(lockPath, 'utf8')) !== hash;
    if (stale) {
      const resolved = await fetcher.settle(() => resolvePackages(entries, fetcher, resolveOptions, render));
      writeFileSync(lockPath, lockFileText(resolved, hash));
      lockWritten = true;
      options.onEvent?.(`Updated ${LOCK_FILE}`);
    }
    if (options.lockOnly) return { packages: [], lockWritten, installPath: target };
    const lockText = readFileSync(lockPath, 'utf8');
    const locked = readPackageEntries(lockText, LOCK_FILE, render);
    if (locked.problems.length) throw new DepsError(`${LOCK_FILE} is not valid: ${locked.problems.join('; ')} (delete it and run medallion deps again)`);
    const packages = await fetcher.settle(() => resolveLockedPackages(locked.entries, fetcher, resolveOptions));

    // Everything goes into a staging folder first; the old dbt_packages/ stays until all is in.
    const staging = `${target}.medallion-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const result: DepsResult['packages'] = [];
    try {
      for (const p of packages) {
        options.onEvent?.(`Installing ${describePinned(p.pinned)}`);
        await installOne(p, join(staging, p.name), fetcher, root, downloads);
        const latest = p.pinned.kind === 'hub' ? p.pinned.versionLatest : undefined;
        result.push(latest && p.pinned.kind === 'hub' && latest !== p.pinned.version ? { ...p, updateAvailable: latest } : p);
      }
      const old = `${target}.medallion-old-${process.pid}`;
      if (existsSync(target)) renameSync(target, old);
      renameSync(staging, target);
      rmSync(old, { recursive: true, force: true });
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    return { packages: result, lockWritten, installPath: target };
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
}

export function describePinned(p: Pinned): string {
  if (p.kind === 'hub') return `${p.package}@${p.version}`;
  if (p.kind === 'local') return `${p.local} (local)`;
  return `${p.gitUnrendered}${p.subdirectory ? `/${p.subdirectory}` : ''}@${p.revision.slice(0, 12)}`;
}

async function installOne(p: ResolvedPackage, dest: string, fetcher: Fetcher, root: string, downloads: string): Promise<void> {
  const pin = p.pinned;
  if (pin.kind === 'local') {
    const src = resolve(root, pin.local);
    try {
      symlinkSync(src, dest, 'dir');
    } catch {
      // No symlinks here (Windows without the privilege): a copy, as dbt falls back to.
      cpSync(src, dest, { recursive: true });
    }
    return;
  }
  if (pin.kind === 'git') {
    const from = fetcher.checkout(pin);
    renameSync(from, dest);
    return;
  }
  const info = fetcher.hubPackage(pin.package)?.[pin.version];
  if (!info) throw new DepsError(`The package hub has no version ${pin.version} of ${pin.package}`);
  const url = info.downloads.tarball;
  let archive: Buffer;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    archive = Buffer.from(await response.arrayBuffer());
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new DepsError(`Cannot download package ${pin.package}@${pin.version} from ${url} (${cause}). Check the network or proxy.`);
  }
  let entries;
  try {
    entries = readTarGz(archive);
  } catch (err) {
    throw new DepsError(`The download of package ${pin.package}@${pin.version} from ${url} is not a .tar.gz archive (${(err as Error).message})`);
  }
  // dbt unpacks, then renames the archive's common prefix (its top folder) to the package name.
  const unpack = mkdtempSync(join(downloads, 'tar-'));
  for (const e of entries) {
    const path = resolve(unpack, e.name);
    if (relative(unpack, path).startsWith('..') || isAbsolute(relative(unpack, path))) throw new DepsError(`The archive of package ${pin.package} has an entry outside its folder: ${e.name}`);
    if (e.type === 'dir') mkdirSync(path, { recursive: true });
    else if (e.type === 'file') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, e.data, { mode: e.mode & 0o777 || 0o644 });
    }
  }
  renameSync(join(unpack, commonPrefix(entries.map((e) => e.name))), dest);
}

export interface DepsStatus {
  /** The file that lists packages (packages.yml or dependencies.yml), if any lists some. */
  packagesFile?: string;
  /** Why `medallion deps` should run: nothing installed yet, a lock older than the list, a locked package missing. */
  reason?: 'not-installed' | 'lock-stale' | 'package-missing';
  message?: string;
}

/** Whether the project's packages need installing: cheap (files only), for editors to offer "Install packages". */
export function depsStatus(root: string, env: Record<string, string | undefined>): DepsStatus {
  let listed: ReturnType<typeof rootEntries>;
  try {
    listed = rootEntries(root, (v) => renderEnvString(v, env));
  } catch (err) {
    return { message: (err as Error).message };
  }
  if (!listed.file || listed.entries.length === 0) return {};
  const status: DepsStatus = { packagesFile: listed.file };
  const target = installPath(root);
  const lockPath = join(root, LOCK_FILE);
  // Named, so the person sees what an install would bring (a git URL as written, env_var templates unrendered and any user:token@ dropped).
  const named = listed.entries.map((e) => (e.kind === 'hub' ? e.package : e.kind === 'git' ? e.gitUnrendered.replace(/\/\/[^/@]*@/, '//') : e.local));
  if (!existsSync(target)) return { ...status, reason: 'not-installed', message: `${listed.file} lists ${listed.entries.length} packages and ${relative(root, target)}/ does not exist: ${named.join(', ')}` };
  if (!existsSync(lockPath) || lockedHash(readFileSync(lockPath, 'utf8')) !== sha1(lockHashInput(listed.entries))) return { ...status, reason: 'lock-stale', message: `${listed.file} changed since the packages were installed` };
  const names = (toJS(parseYaml(readFileSync(lockPath, 'utf8')).root) as { packages?: Array<{ name?: unknown }> } | null)?.packages ?? [];
  const missing = names.map((p) => p.name).filter((n): n is string => typeof n === 'string' && !existsSync(join(target, n)));
  if (missing.length) return { ...status, reason: 'package-missing', message: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed in ${relative(root, target)}/` };
  return status;
}
