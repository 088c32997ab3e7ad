/**
 * `dbt deps` as pure functions (dbt-core 1.12's core/dbt/deps/ and task/deps.py): package entries
 * from packages.yml / dependencies.yml, the resolution of hub, git and local packages across the
 * whole dependency tree (hub ranges intersected, one git revision per repository, one name per
 * package), and package-lock.yml in dbt's exact text. What needs the network or the disk (hub
 * JSON, a git checkout, a local package's own packages.yml) comes from an `Oracle`; when it does
 * not know yet, `resolvePackages` returns what it needs and the caller asks again.
 */
import { PyFloat } from '../jinja';
import { parseYaml, toJS } from '../yaml-tree';
import { filterInstallable, parseVersion, rangeString, reduceVersions, resolveToSpecificVersion, versionsCompatible, type VersionSpec } from './semver';

/** One entry of packages.yml as dbt reads it (rendered), with the text it was written as. */
export type PackageEntry =
  | { kind: 'hub'; package: string; versions: string[]; installPrerelease: boolean; dict: Record<string, unknown> }
  | { kind: 'git'; git: string; gitUnrendered: string; revisions: string[]; warnUnpinned: boolean; subdirectory?: string; dict: Record<string, unknown> }
  | { kind: 'local'; local: string; dict: Record<string, unknown> };

export type Pinned =
  | { kind: 'hub'; package: string; version: string; versionLatest: string }
  | { kind: 'git'; git: string; gitUnrendered: string; revision: string; warnUnpinned: boolean; subdirectory?: string }
  | { kind: 'local'; local: string };

/** One version of a package in the hub's JSON (`api/v1/<namespace>/<name>.json` → versions). */
export interface HubVersion {
  name: string;
  packages: unknown[];
  downloads: { tarball: string };
  require_dbt_version?: string | string[];
}

/** What a git or local package's own project says: its name and its packages. */
export interface ProjectMetadata {
  name: string;
  packages: unknown[];
  /** Git: the commit the revision resolved to. */
  sha?: string;
}

export type Need = { kind: 'hub-index'; package: string } | { kind: 'hub-package'; package: string } | { kind: 'project'; pinned: Pinned };

export interface Oracle {
  hubIndex(): string[] | undefined;
  /** undefined: not fetched yet; null: fetched, and the hub has no such package. */
  hubPackage(name: string): Record<string, HubVersion> | undefined | null;
  project(pinned: Pinned): ProjectMetadata | undefined;
}

export interface ResolvedPackage {
  pinned: Pinned;
  /** The folder under dbt_packages/: the package's project name. */
  name: string;
}

export type Resolution = { kind: 'need'; needs: Need[] } | { kind: 'error'; message: string } | { kind: 'done'; packages: ResolvedPackage[] };

/** dbt's version for `require-dbt-version` checks of hub packages: the dbt-core Medallion follows. */
export const DBT_VERSION = '1.12.6';

/** Reads the `packages:` list of packages.yml / dependencies.yml / package-lock.yml. `render` renders Jinja in strings (env_var). */
export function readPackageEntries(text: string, file: string, render: (value: string) => string): { entries: PackageEntry[]; problems: string[] } {
  const parsed = parseYaml(text);
  const problems = parsed.problems.map((p) => `${file}: ${p.message}`);
  const root = toJS(parsed.root) as { packages?: unknown } | null;
  if (root === null || root === undefined) return { entries: [], problems };
  if (typeof root !== 'object' || Array.isArray(root)) return { entries: [], problems: [...problems, `${file}: expected a mapping with a 'packages:' list`] };
  const list = root.packages ?? [];
  if (!Array.isArray(list)) return { entries: [], problems: [...problems, `${file}: 'packages:' must be a list`] };
  const entries: PackageEntry[] = [];
  for (const raw of list) {
    const entry = packageEntry(raw, render);
    if (typeof entry === 'string') problems.push(`${file}: ${entry}`);
    else entries.push(entry);
  }
  return { entries, problems };
}

function renderDeep(value: unknown, render: (v: string) => string): unknown {
  if (typeof value === 'string') return render(value);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, render));
  if (value && typeof value === 'object' && !(value instanceof PyFloat)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, render)]));
  return value;
}

/** Python's str() of a YAML scalar (versions may be written as numbers). */
function pyStr(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'number') return String(v).includes('.') || String(v).includes('e') ? String(v) : `${v}.0`;
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** One entry, or why it is not one (dbt's PackageConfig.validate messages). */
export function packageEntry(raw: unknown, render: (value: string) => string): PackageEntry | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return `a package entry must be a mapping (hub: package + version, git:, or local:), not ${JSON.stringify(raw)}`;
  const unrendered = raw as Record<string, unknown>;
  const r = renderDeep(unrendered, render) as Record<string, unknown>;
  if (r.package === '') return 'A hub package is missing the value. It is a required property.';
  if (r.local === '') return 'A local package is missing the value. It is a required property.';
  if (r.git === '') return 'A git package is missing the value. It is a required property.';
  if (typeof r.package === 'string') {
    if (!r.version) return `${r.package} is missing the version. When installing from the Hub package index, version is a required property`;
    if (!r.package.includes('/')) return `${r.package} was not found in the package index. Packages on the index require a namespace, e.g dbt-labs/dbt_utils`;
    const versions = Array.isArray(r.version) ? r.version.map(pyStr) : [pyStr(r.version)];
    const installPrerelease = r.install_prerelease === true;
    return { kind: 'hub', package: r.package, versions, installPrerelease, dict: { install_prerelease: installPrerelease, package: r.package, unrendered, version: r.version } };
  }
  if (typeof r.git === 'string') {
    const revision = r.revision === undefined || r.revision === null ? undefined : pyStr(r.revision);
    const subdirectory = typeof r.subdirectory === 'string' ? r.subdirectory : undefined;
    const warn = r['warn-unpinned'];
    const gitUnrendered = typeof unrendered.git === 'string' && unrendered.git ? unrendered.git : r.git;
    return {
      kind: 'git',
      git: r.git,
      gitUnrendered,
      revisions: revision !== undefined ? [revision] : [],
      warnUnpinned: warn !== false,
      ...(subdirectory !== undefined ? { subdirectory } : {}),
      dict: { git: r.git, revision: r.revision ?? null, subdirectory: subdirectory ?? null, unrendered, 'warn-unpinned': typeof warn === 'boolean' ? warn : null },
    };
  }
  if (typeof r.local === 'string') return { kind: 'local', local: r.local, dict: { local: r.local, unrendered } };
  if (typeof r.tarball === 'string' || typeof r.private === 'string') return `${JSON.stringify(r.tarball ?? r.private)}: tarball and private packages are not supported by medallion deps yet (hub, git and local are)`;
  return `not a package entry (expected package:, git: or local:): ${JSON.stringify(raw)}`;
}

/** Python's json.dumps(value, sort_keys=True): the text dbt hashes. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyStr(value);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${pythonJson(k)}: ${pythonJson(obj[k])}`)
    .join(', ')}}`;
}

/** The text whose SHA-1 is package-lock.yml's `sha1_hash` (dbt's _create_sha1_hash). */
export function lockHashInput(entries: PackageEntry[]): string {
  return entries
    .map((e) => pythonJson(e.dict))
    .sort()
    .join('\n');
}

/** The names dbt files an entry under (a git URL with and without `.git`). */
function entryNames(e: PackageEntry): string[] {
  if (e.kind === 'hub') return [e.package];
  if (e.kind === 'local') return [e.local];
  const other = e.git.endsWith('.git') ? e.git.slice(0, -4) : `${e.git}.git`;
  return e.subdirectory ? [`${e.git}/${e.subdirectory}`, `${other}/${e.subdirectory}`] : [e.git, other];
}

function displayName(e: PackageEntry | Pinned): string {
  if (e.kind === 'hub') return e.package;
  if (e.kind === 'local') return e.local;
  return e.subdirectory ? `${e.git}/${e.subdirectory}` : e.git;
}

/** dbt's PackageListing: entries merged by name, in first-seen order. */
class Listing {
  readonly packages = new Map<string, PackageEntry>();

  private key(e: PackageEntry): string {
    for (const name of entryNames(e)) if (this.packages.has(name)) return name;
    return e.kind === 'git' ? entryNames(e)[0]! : displayName(e);
  }

  get(e: PackageEntry): PackageEntry {
    return this.packages.get(this.key(e))!;
  }

  /** Merges `e` in; a string is the error. */
  incorporate(e: PackageEntry): string | undefined {
    const key = this.key(e);
    const existing = this.packages.get(key);
    if (!existing) {
      this.packages.set(key, e);
      return undefined;
    }
    if (existing.kind !== e.kind) return `Package ${displayName(e)} is required both as a ${e.kind} package and as a ${existing.kind} package; use one kind of source for it everywhere`;
    if (existing.kind === 'hub' && e.kind === 'hub') this.packages.set(key, { ...existing, versions: [...existing.versions, ...e.versions] });
    // dbt keeps every requested git revision and fails at pinning when they differ.
    else if (existing.kind === 'git' && e.kind === 'git') this.packages.set(key, { ...existing, revisions: [...existing.revisions, ...e.revisions], warnUnpinned: existing.warnUnpinned && e.warnUnpinned });
    return undefined;
  }
}

/** Pins one merged entry, or says why it cannot be pinned; undefined with `needs` filled when the hub must be asked first. */
function pin(e: PackageEntry, oracle: Oracle, needs: Need[], options: ResolveOptions): Pinned | string | undefined {
  if (e.kind === 'local') return { kind: 'local', local: e.local };
  if (e.kind === 'git') {
    const requested = new Set(e.revisions);
    if (requested.size > 1) return `git dependencies should contain exactly one version. ${displayName(e)} contains: ${JSON.stringify([...requested])}`;
    return { kind: 'git', git: e.git, gitUnrendered: e.gitUnrendered, revision: requested.size ? [...requested][0]! : 'HEAD', warnUnpinned: e.warnUnpinned, ...(e.subdirectory !== undefined ? { subdirectory: e.subdirectory } : {}) };
  }
  const index = oracle.hubIndex();
  if (index === undefined) {
    needs.push({ kind: 'hub-index', package: e.package });
    return undefined;
  }
  if (!index.includes(e.package)) return `Package ${e.package} was not found in the package index`;
  const specs: VersionSpec[] = [];
  for (const text of e.versions) {
    const v = parseVersion(text);
    if (!v) return `Version error for package ${e.package}: "${text}" is not a valid semantic version.`;
    specs.push(v);
  }
  const range = reduceVersions(specs);
  if (!range) return `Version error for package ${e.package}: Could not find a satisfactory version from options: [${e.versions.map((v) => `'${v}'`).join(', ')}]`;
  const versions = oracle.hubPackage(e.package);
  if (versions === undefined) {
    needs.push({ kind: 'hub-package', package: e.package });
    return undefined;
  }
  if (versions === null) return `Package ${e.package} was not found in the package index`;
  const compatible = Object.entries(versions)
    .filter(([, info]) => !options.versionCheck || !info.require_dbt_version || versionsCompatible(options.dbtVersion, Array.isArray(info.require_dbt_version) ? info.require_dbt_version : [info.require_dbt_version]))
    .map(([v]) => v);
  const installable = filterInstallable(compatible, e.installPrerelease || specs.some((s) => s.prerelease));
  const target = installable.length ? resolveToSpecificVersion(range, installable) : undefined;
  if (!target) {
    return [
      `Could not find a matching compatible version for package ${e.package}`,
      `  Requested range: ${rangeString(range)}`,
      `  Compatible versions: ${JSON.stringify(installable)}`,
      ...(options.versionCheck ? ['  Not shown: package versions incompatible with installed version of dbt-core'] : []),
    ].join('\n');
  }
  return { kind: 'hub', package: e.package, version: target, versionLatest: installable[installable.length - 1]! };
}

/** A pinned package's own metadata: its project name and the packages it requires. */
function metadataOf(p: Pinned, oracle: Oracle, needs: Need[]): ProjectMetadata | undefined {
  if (p.kind === 'hub') {
    const versions = oracle.hubPackage(p.package);
    if (!versions) {
      if (versions === undefined) needs.push({ kind: 'hub-package', package: p.package });
      return undefined;
    }
    const info = versions[p.version]!;
    return { name: info.name, packages: info.packages ?? [] };
  }
  const meta = oracle.project(p);
  if (!meta) needs.push({ kind: 'project', pinned: p });
  return meta;
}

export interface ResolveOptions {
  dbtVersion: string;
  /** dbt's --version-check (on by default): skip hub versions whose require-dbt-version excludes dbtVersion. */
  versionCheck: boolean;
  /** The root project's name (a package may not share it). */
  rootName: string;
}

function entriesFrom(list: unknown[], render: (v: string) => string): { entries: PackageEntry[]; problems: string[] } {
  const entries: PackageEntry[] = [];
  const problems: string[] = [];
  for (const raw of list) {
    const e = packageEntry(raw, render);
    if (typeof e === 'string') problems.push(e);
    else entries.push(e);
  }
  return { entries, problems };
}

/**
 * dbt's resolve_packages: each round merges the pending entries into the final listing, pins them
 * and queues their own packages; the final listing is pinned once more at the end.
 */
export function resolvePackages(root: PackageEntry[], oracle: Oracle, options: ResolveOptions, render: (v: string) => string = (v) => v): Resolution {
  const needs: Need[] = [];
  const final = new Listing();
  let pending = new Listing();
  for (const e of root) {
    const error = pending.incorporate(e);
    if (error) return { kind: 'error', message: error };
  }
  while (pending.packages.size > 0) {
    const next = new Listing();
    for (const e of pending.packages.values()) {
      const error = final.incorporate(e);
      if (error) return { kind: 'error', message: error };
      const pinned = pin(final.get(e), oracle, needs, options);
      if (typeof pinned === 'string') return { kind: 'error', message: pinned };
      if (!pinned) continue;
      const meta = metadataOf(pinned, oracle, needs);
      if (!meta) continue;
      const { entries, problems } = entriesFrom(meta.packages, render);
      if (problems.length) return { kind: 'error', message: `Package ${displayName(pinned)}: ${problems.join('; ')}` };
      for (const child of entries) {
        const childError = next.incorporate(child);
        if (childError) return { kind: 'error', message: childError };
      }
    }
    if (needs.length) return { kind: 'need', needs: unique(needs) };
    pending = next;
  }
  return finish(final, oracle, needs, options);
}

/** dbt's resolve_lock_packages: the lock's entries pinned as they are, no dependencies followed. */
export function resolveLockedPackages(locked: PackageEntry[], oracle: Oracle, options: ResolveOptions): Resolution {
  const final = new Listing();
  for (const e of locked) {
    const error = final.incorporate(e);
    if (error) return { kind: 'error', message: error };
  }
  return finish(final, oracle, [], options);
}

function finish(final: Listing, oracle: Oracle, needs: Need[], options: ResolveOptions): Resolution {
  const packages: ResolvedPackage[] = [];
  const seen = new Set<string>();
  for (const e of final.packages.values()) {
    const pinned = pin(e, oracle, needs, options);
    if (typeof pinned === 'string') return { kind: 'error', message: pinned };
    if (!pinned) continue;
    const meta = metadataOf(pinned, oracle, needs);
    if (!meta) continue;
    const resolved: Pinned = pinned.kind === 'git' && meta.sha ? { ...pinned, revision: meta.sha } : pinned;
    packages.push({ pinned: resolved, name: meta.name });
  }
  if (needs.length) return { kind: 'need', needs: unique(needs) };
  for (const p of packages) {
    if (p.name === options.rootName) return { kind: 'error', message: `Found a dependency with the same name as the root project "${p.name}". Package names must be unique in a project. Please rename one of these packages.` };
    if (seen.has(p.name)) return { kind: 'error', message: `Found duplicate project "${p.name}". This occurs when a dependency has the same project name as some other dependency.` };
    seen.add(p.name);
  }
  return { kind: 'done', packages };
}

function unique(needs: Need[]): Need[] {
  const keys = new Set<string>();
  return needs.filter((n) => {
    const key = n.kind === 'project' ? `project:${JSON.stringify(n.pinned)}` : n.kind === 'hub-package' ? `hub:${n.package}` : 'index';
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

/** A pinned package as package-lock.yml records it (dbt's to_dict) plus its name. */
function lockEntry(p: ResolvedPackage): Record<string, string> {
  const pin = p.pinned;
  if (pin.kind === 'hub') return { package: pin.package, version: pin.version, name: p.name };
  if (pin.kind === 'local') return { local: pin.local, name: p.name };
  return { git: pin.gitUnrendered, revision: pin.revision, ...(pin.subdirectory ? { subdirectory: pin.subdirectory } : {}), name: p.name };
}

/** package-lock.yml exactly as dbt writes it (PyYAML: sorted keys, indented lists). */
export function lockFileText(packages: ResolvedPackage[], sha1Hash: string): string {
  let out = 'packages:\n';
  for (const p of packages) {
    const entry = lockEntry(p);
    const keys = Object.keys(entry).sort();
    keys.forEach((k, i) => (out += `${i === 0 ? '  - ' : '    '}${k}: ${yamlScalar(entry[k]!)}\n`));
  }
  return `${out}sha1_hash: ${sha1Hash}\n`;
}

/** The sha1_hash recorded in a lock file's text, if any. */
export function lockedHash(text: string): string | undefined {
  const root = toJS(parseYaml(text).root) as { sha1_hash?: unknown } | null;
  return root && typeof root === 'object' && typeof root.sha1_hash === 'string' ? root.sha1_hash : undefined;
}

/** A string as PyYAML's dumper writes it: plain unless it would read back as something else. */
export function yamlScalar(s: string): string {
  const implicit =
    /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL)$/.test(s) ||
    s === '' ||
    /^[-+]?(?:0|[1-9][0-9_]*)$|^[-+]?0b[0-1_]+$|^[-+]?0[0-7_]+$|^[-+]?0x[0-9a-fA-F_]+$|^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/.test(s) ||
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/.test(s) ||
    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?/.test(s);
  const special = /^[-?:,[\]{}#&*!|>'"%@`\s]/.test(s) || /[:#]\s|\s#|:$|\s$/.test(s) || /[\n\t]/.test(s);
  if (!implicit && !special) return s;
  return `'${s.replace(/'/g, "''")}'`;
}
