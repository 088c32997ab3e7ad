/**
 * What every part of the loader works on: the state the root project and its installed packages
 * load into together (`LoadState`), and one package's view of it (`PackageContext`: its config,
 * resource folders, config trees and the per-package caches that keep a big load fast).
 */
import { applyConfig, emptyConfig, treeLayers } from '../config-tree';
import type { Diagnostic } from '../diagnostics';
import { PyFloat } from '../jinja';
import { joinPath, MAX_FILE_BYTES, type FileHost } from '../host';
import type { DocsBlock, MacroDefinition, NodeConfig, ParsedNode, ProjectConfig, ProjectFile, ProjectNode } from '../model';
import type { ParseTime } from './parse-time';
import { NameIndex } from '../text';
import type { ScanCache } from './scan-cache';
import type { YNode } from '../yaml-tree';

/** What a load scans with: a ScanCache kept between loads (the editor's), or one load's scans. */
export type Scans = Pick<ScanCache, 'scan' | 'templates'>;

/** What the root project and its installed packages load into together. */
/** What a load read that the manifest writer needs again: each properties yml's parsed root and each seed's text, by path. */
export interface ManifestInputs {
  propertiesTrees: Map<string, YNode>;
  seedTexts: Map<string, string>;
  /** Seeds over dbt's checksum limit (MAX_SEED_BYTES), whose text was not read: checksummed by their path. */
  largeSeeds?: Set<string>;
}

export class LoadState {
  readonly diagnostics: Diagnostic[] = [];
  readonly nodes = new Map<string, ProjectNode>();
  readonly disabled = new Map<string, ProjectNode[]>();
  readonly macros = new Map<string, MacroDefinition[]>();
  readonly docs = new Map<string, DocsBlock[]>();
  readonly files = new Map<string, ProjectFile>();
  /** Nodes by package, then kind (a resource type, or `ref`), then name: for patching from yml. */
  readonly byName = new Map<string, Map<string, Map<string, ProjectNode>>>();
  /** Installed packages' configs, by package name. */
  readonly packages = new Map<string, ProjectConfig>();
  /** Parse time: renders SQL nodes (set once every package's macros are loaded). */
  parser?: ParseTime;
  /** Renders a Jinja value of dbt_project.yml (target, env_var, --vars). */
  renderProjectValue?: (text: string) => unknown;
  /** Parse records by content: models written from one template read the same macros (see `parseRecord`). */
  private readonly parseRecords = new Map<string, ParsedNode>();
  /** What the manifest writer would read again, when the load keeps it (`LoadOptions.keepManifestInputs`). */
  manifestInputs?: ManifestInputs;
  /** `{column_name: x}`, the arguments of every `- unique`/`- not_null` of a column x: one frozen object per name. */
  private readonly columnArgs = new Map<string, Record<string, unknown>>();

  /** @param root the root project's absolute folder */
  constructor(
    readonly host: FileHost,
    readonly root: string,
    readonly cache: Scans,
  ) {}

  /**
   * A node's parse record, one frozen object for every node with the same one: a big project's
   * models mostly call the same few macros, and each record kept is copied by the collector.
   */
  parseRecord(by: ParsedNode['by'], macros: string[], uses: string[]): ParsedNode {
    // The few records a project has mostly come again and again: compared in place first, without
    // building the key (two joins and a fresh string to hash per node).
    const recent = this.recentRecords;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i]!;
      if (r.by === by && sameItems(r.macros, macros) && sameItems(r.uses, uses)) return r;
    }
    const key = `${by}\u0000${macros.join('\u0001')}\u0000${uses.join('\u0001')}`;
    let record = this.parseRecords.get(key);
    if (!record) {
      record = Object.freeze({ by, macros: Object.freeze(macros) as string[], uses: Object.freeze(uses) as string[] });
      this.parseRecords.set(key, record);
    }
    // The newest first; a handful kept (a project of many different records pays one short miss).
    if (recent.length >= RECENT_RECORDS) recent.pop();
    recent.unshift(record);
    return record;
  }

  /** The records `parseRecord` answered last, newest first. */
  private readonly recentRecords: ParsedNode[] = [];

  /** The arguments of a column's test written as a bare name: shared by every such test, never changed. */
  columnArguments(columnName: string): Record<string, unknown> {
    let args = this.columnArgs.get(columnName);
    if (!args) {
      args = Object.freeze({ column_name: columnName });
      this.columnArgs.set(columnName, args);
    }
    return args;
  }

  report(d: Omit<Diagnostic, 'severity'> & { severity?: Diagnostic['severity'] }): void {
    this.diagnostics.push({ severity: 'error', ...d });
  }

  /** A file's text, or undefined (reported) when it is missing, binary, too large or unreadable. */
  readText(rel: string, abs = joinPath(this.root, rel)): string | undefined {
    const r = this.host.read(abs);
    switch (r.kind) {
      case 'text':
        if (r.text.length > MAX_FILE_BYTES) {
          this.report({ code: 'file-too-large', file: rel, message: `${rel} is ${r.text.length} characters; files over ${MAX_FILE_BYTES} are not analysed` });
          return undefined;
        }
        if (looksBinary(r.text)) {
          this.report({ code: 'binary-file', file: rel, message: `${rel} is not a text file (it contains NUL bytes); it is not analysed` });
          return undefined;
        }
        return r.text;
      case 'too-large':
        this.report({ code: 'file-too-large', file: rel, message: `${rel} is ${r.size} bytes; files over ${MAX_FILE_BYTES} bytes are not analysed` });
        return undefined;
      case 'error':
        this.report({ code: 'project-config', file: rel, message: `${rel} could not be read: ${r.message}` });
        return undefined;
      case 'missing':
        return undefined;
    }
  }
}

/** One package being loaded (the root project is one too) over the shared state. */
export class PackageContext {
  /** This package's nodes by kind (a resource type, or `ref` for ref() targets) and name. */
  private readonly own: Map<string, Map<string, ProjectNode>>;
  /** Listings of this load: model paths are listed for their SQL and again for their yml. */
  private readonly listings = new Map<string, string[]>();
  private readonly folderCache = new Map<string, string[]>();
  /** Tree configs merged once per tree and folder, for the nodes of that folder without an entry of their own. */
  private readonly folderConfigs = new Map<string, NodeConfig>();
  private readonly fqnPrefixes = new Map<string, string[]>();
  /** Generic tests' configs from the project trees, by folder, with the tree layers they came from. */
  private readonly testConfigs = new Map<string, { layers: Array<Record<string, unknown>>; config: NodeConfig }>();
  /** "Did you mean" indexes of this package's node names, by resource type (see `namesOf`). */
  private readonly nameIndexes = new Map<string, NameIndex>();

  /**
   * @param base folder of this package relative to the root project ('' for the root itself)
   * @param rootConfig the root project's config, whose trees also configure package nodes (undefined for the root itself)
   */
  constructor(
    readonly state: LoadState,
    readonly config: ProjectConfig,
    readonly base: string,
    readonly rootConfig: ProjectConfig | undefined,
  ) {
    this.own = state.byName.get(config.name) ?? new Map();
    state.byName.set(config.name, this.own);
  }

  named(kind: string, name: string): ProjectNode | undefined {
    return this.own.get(kind)?.get(name);
  }

  setNamed(kind: string, name: string, node: ProjectNode): void {
    if (this.nameIndexes.size > 0) this.nameIndexes.clear();
    const names = this.own.get(kind);
    if (names) names.set(name, node);
    else this.own.set(kind, new Map([[name, node]]));
  }

  deleteNamed(kind: string, name: string): void {
    if (this.nameIndexes.size > 0) this.nameIndexes.clear();
    this.own.get(kind)?.delete(name);
  }

  /**
   * The names of this package's nodes of one resource type, for "did you mean": built once for
   * all the yml entries that name a missing node (not a list and a scan of every name per entry),
   * and again only after a node is named.
   */
  namesOf(type: string): NameIndex {
    let index = this.nameIndexes.get(type);
    if (!index) {
      const names = new Set<string>();
      for (const node of this.own.get(type)?.values() ?? []) if (node.resourceType === type) names.add(node.name);
      this.nameIndexes.set(type, (index = new NameIndex(names)));
    }
    return index;
  }

  /**
   * Absolute folder of one of this package's resource paths. A path leaving the package folder
   * (`../shared`) starts from its physical location, as dbt's does.
   */
  dirOf(dir: string): string {
    let abs = this.dirs.get(dir);
    if (abs === undefined) {
      const packageDir = joinPath(this.state.root, this.base);
      const escapes = dir.replace(/\\/g, '/').split('/').includes('..');
      abs = joinPath(escapes && this.state.host.realPath ? this.state.host.realPath(packageDir) : packageDir, dir);
      this.dirs.set(dir, abs);
    }
    return abs;
  }

  private readonly dirs = new Map<string, string>();

  list(absDir: string): string[] {
    let files = this.listings.get(absDir);
    if (!files) {
      files = this.state.host.list(absDir);
      this.listings.set(absDir, files);
    }
    return files;
  }

  /** Folders of a file below the resource path that holds it (`models/silver/x.yml` → ['silver']). */
  foldersOf(rel: string): string[] {
    let folders = this.folderCache.get(rel);
    if (!folders) {
      folders = this.computeFoldersOf(rel);
      this.folderCache.set(rel, folders);
    }
    return folders;
  }

  private computeFoldersOf(rel: string): string[] {
    const c = this.config;
    const abs = joinPath(this.state.root, rel);
    for (const dir of [...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.testPaths, ...c.macroPaths, ...c.analysisPaths]) {
      const prefix = this.dirOf(dir) + '/';
      if (abs.startsWith(prefix)) return abs.slice(prefix.length).split('/').slice(0, -1);
    }
    const parts = (this.base && rel.startsWith(this.base + '/') ? rel.slice(this.base.length + 1) : rel).split('/');
    return parts.slice(0, -1);
  }

  /** `[package, ...folders]` of a yml file: the start of the fqn of every test it defines (shared, never mutated). */
  fqnPrefix(rel: string): string[] {
    let prefix = this.fqnPrefixes.get(rel);
    if (!prefix) {
      prefix = [this.config.name, ...this.foldersOf(rel)];
      this.fqnPrefixes.set(rel, prefix);
    }
    return prefix;
  }

  /**
   * A node's config from its own project's dbt_project.yml tree (the lowest layer). A package's
   * node is configured by the root project's tree too, last (see `rootLayers`). Read-only: the
   * nodes of a folder share one (frozen); copy it (`copyConfig`) to change it.
   */
  treeConfig(tree: keyof ProjectConfig['trees'], materialized: string, folders: string[], name: string): NodeConfig {
    const trees = this.config.trees[tree];
    if (namesNode(trees, this.config.name, folders, name)) {
      const config = emptyConfig(materialized);
      for (const layer of treeLayers(trees, this.config.name, [...folders, name])) applyConfig(config, layer);
      return config;
    }
    // The files of a folder come together and share one folders list: their config is found once for the run.
    const last = this.lastFolderConfig;
    if (last !== undefined && last.folders === folders && last.tree === tree && last.materialized === materialized) return last.config;
    const key = `${tree}\u0000${materialized}\u0000${folders.join('/')}`;
    let merged = this.folderConfigs.get(key);
    if (!merged) {
      merged = emptyConfig(materialized);
      for (const layer of treeLayers(trees, this.config.name, folders)) applyConfig(merged, layer);
      this.folderConfigs.set(key, freezeConfig(merged));
    }
    this.lastFolderConfig = { tree, materialized, folders, config: merged };
    // Shared by the folder's nodes (each keeps it as its lowest config layer): frozen, callers copy to change.
    return merged;
  }

  /** The folder config `treeConfig` answered last, by the (never changed) folders list it was asked for. */
  private lastFolderConfig: { tree: string; materialized: string; folders: readonly string[]; config: NodeConfig } | undefined;

  /**
   * The config of a generic test named `name` in yml file `rel` from the project trees alone
   * (`data_tests:`; `hasTrees` false when neither project has one). Shared by every test of the
   * folder that the same tree levels configure, and frozen: a test with config of its own copies it.
   */
  testConfig(rel: string, name: string, hasTrees: boolean): NodeConfig {
    const folders = hasTrees ? this.foldersOf(rel) : NO_FOLDERS;
    const layers = hasTrees ? this.layersFor('tests', [...folders, name]) : NO_LAYERS;
    const key = folders.join('/');
    const cached = this.testConfigs.get(key);
    if (cached && sameItems(cached.layers, layers)) return cached.config;
    const config = emptyConfig('test');
    for (const layer of layers) applyConfig(config, layer);
    this.testConfigs.set(key, { layers, config: freezeConfig(config) });
    return config;
  }

  /** For a package's node: the root project's tree layers for it, applied after everything else (dbt's precedence). */
  rootLayers(tree: keyof ProjectConfig['trees'], path: string[]): Array<Record<string, unknown>> | undefined {
    if (!this.rootConfig) return undefined;
    // The root tree's top level too: dbt's fqn_search yields it for every node, a package's included.
    const layers = treeLayers(this.rootConfig.trees[tree], this.config.name, path).filter((l) => Object.keys(l).length > 0);
    return layers.length > 0 ? layers : undefined;
  }

  /** Config layers from this package's own dbt_project.yml, then the root project's (which win). */
  layersFor(tree: keyof ProjectConfig['trees'], path: string[]): Array<Record<string, unknown>> {
    const own = treeLayers(this.config.trees[tree], this.config.name, path);
    return this.rootConfig ? [...own, ...treeLayers(this.rootConfig.trees[tree], this.config.name, path)] : own;
  }
}

/** Whether a project tree has an entry of its own for the node `name` in `folders` (`models: {pkg: {folder: {name: {...}}}}`). */
function namesNode(tree: Record<string, unknown> | undefined, packageName: string, folders: readonly string[], name: string): boolean {
  let level: unknown = tree?.[packageName];
  for (let i = 0; i < folders.length; i++) {
    if (!isDict(level)) return false;
    level = level[folders[i]!];
  }
  return isDict(level) && isDict(level[name]);
}

/** A config shared by many nodes, its lists and meta included, made unchangeable: a change in place fails loudly instead of reaching every node. */
function freezeConfig(config: NodeConfig): NodeConfig {
  Object.freeze(config.tags);
  Object.freeze(config.meta);
  for (const hook of ['pre_hook', 'post_hook']) if (Array.isArray(config[hook])) Object.freeze(config[hook]);
  return Object.freeze(config);
}

/** How many parse records `parseRecord` compares before it builds a key. */
const RECENT_RECORDS = 8;

const NO_FOLDERS: string[] = Object.freeze([]) as unknown as string[];
const NO_LAYERS: Array<Record<string, unknown>> = Object.freeze([]) as unknown as Array<Record<string, unknown>>;

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A yml mapping (a float such as `5.0`, a `PyFloat` box, is a value). */
export function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

function looksBinary(text: string): boolean {
  const probe = text.length > 8192 ? text.slice(0, 8192) : text;
  return probe.indexOf('\u0000') !== -1;
}
