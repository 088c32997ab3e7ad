/**
 * Reads a dbt project the way dbt does: dbt_project.yml, every yml under the resource paths,
 * models, seeds, snapshots, macros, singular and generic tests. Never throws: every problem
 * becomes a Diagnostic naming the file and span, and loading continues with the rest.
 */
import { applyConfig, emptyConfig, treeLayers } from '../config-tree';
import { parseCsv } from '../csv';
import type { Diagnostic } from '../diagnostics';
import { joinPath, MAX_FILE_BYTES, normalizePath, relativePath, type FileHost } from '../host';
import type { ColumnInfo, MacroDefinition, NodeConfig, Project, ProjectConfig, ProjectFile, ProjectNode, ResourceType } from '../model';
import { scan, type ScanResult } from '../scanner';
import { synthesizeTestName } from '../test-names';
import { suggest, type Span } from '../text';
import { get, getString, items, parseYaml, toJS, type YNode } from '../yaml-tree';

export interface LoadOptions {
  /** Reuses scans of unchanged texts between loads (the language server keeps one). */
  cache?: ScanCache;
}

/** Scan results keyed by file text; a reload rescans only what changed. */
export class ScanCache {
  private readonly byPath = new Map<string, { text: string; result: ScanResult }>();

  scan(path: string, text: string): ScanResult {
    const hit = this.byPath.get(path);
    if (hit && hit.text === text) return hit.result;
    const result = scan(text);
    this.byPath.set(path, { text, result });
    return result;
  }
}

const PROJECT_FILE = 'dbt_project.yml';

/** One shared empty list for the many nodes (tests) that have none: never mutated, only replaced. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

type NodeLists = 'columns' | 'refs' | 'sources' | 'dynamic' | 'configCalls' | 'macroCalls' | 'dependsOn';

/** A node with empty lists unless given: every node kind is built the same way. */
function newNode(fields: Omit<ProjectNode, NodeLists> & Partial<Pick<ProjectNode, NodeLists>>): ProjectNode {
  return { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, configCalls: NONE, macroCalls: NONE, dependsOn: NONE, ...fields };
}

export function loadProject(host: FileHost, root: string, options: LoadOptions = {}): Project {
  const loader = new Loader(host, joinPath(root), options.cache ?? new ScanCache());
  return loader.load();
}

/** What the root project and its installed packages load into together. */
interface SharedState {
  diagnostics: Diagnostic[];
  nodes: Map<string, ProjectNode>;
  disabled: Map<string, ProjectNode[]>;
  macros: Map<string, MacroDefinition[]>;
  files: Map<string, ProjectFile>;
  /** Nodes by package, then kind (a resource type, or `ref`), then name: for patching from yml. */
  byName: Map<string, Map<string, Map<string, ProjectNode>>>;
  packages: Map<string, ProjectConfig>;
}

class Loader {
  private readonly diagnostics: Diagnostic[];
  private readonly nodes: Map<string, ProjectNode>;
  private readonly disabled: Map<string, ProjectNode[]>;
  private readonly macros: Map<string, MacroDefinition[]>;
  private readonly files: Map<string, ProjectFile>;
  private readonly names: SharedState['byName'];
  private readonly packages: Map<string, ProjectConfig>;
  private config!: ProjectConfig;

  /**
   * @param base folder of this package relative to the root project ('' for the root itself)
   * @param rootConfig the root project's config, whose trees also configure package nodes
   */
  constructor(
    private readonly host: FileHost,
    private readonly root: string,
    private readonly cache: ScanCache,
    private readonly base = '',
    private readonly rootConfig?: ProjectConfig,
    shared?: SharedState,
  ) {
    const state = shared ?? { diagnostics: [], nodes: new Map(), disabled: new Map(), macros: new Map(), files: new Map(), byName: new Map(), packages: new Map() };
    this.diagnostics = state.diagnostics;
    this.nodes = state.nodes;
    this.disabled = state.disabled;
    this.macros = state.macros;
    this.files = state.files;
    this.names = state.byName;
    this.packages = state.packages;
  }

  private get shared(): SharedState {
    return { diagnostics: this.diagnostics, nodes: this.nodes, disabled: this.disabled, macros: this.macros, files: this.files, byName: this.names, packages: this.packages };
  }

  /** Nodes of this package by kind (a resource type, or `ref` for ref() targets) and name. */
  private readonly byName = {
    get: (kind: string, name: string): ProjectNode | undefined => this.ownNames().get(kind)?.get(name),
    set: (kind: string, name: string, node: ProjectNode): void => {
      const own = this.ownNames();
      const names = own.get(kind);
      if (names) names.set(name, node);
      else own.set(kind, new Map([[name, node]]));
    },
    delete: (kind: string, name: string): void => void this.ownNames().get(kind)?.delete(name),
    values: (): ProjectNode[] => [...this.ownNames().values()].flatMap((names) => [...names.values()]),
  };

  private own: Map<string, Map<string, ProjectNode>> | undefined;

  private ownNames(): Map<string, Map<string, ProjectNode>> {
    if (!this.own) {
      this.own = this.names.get(this.config.name) ?? new Map();
      this.names.set(this.config.name, this.own);
    }
    return this.own;
  }

  /** Absolute folder of one of this package's resource paths. */
  private dirOf(dir: string): string {
    return joinPath(this.root, this.base, dir);
  }

  /** Config layers from this package's own dbt_project.yml, then the root project's (which win). */
  /** Tree configs merged once per tree and folder, for the nodes of that folder without an entry of their own. */
  private readonly folderConfigs = new Map<string, NodeConfig>();

  /** A node's config from the dbt_project.yml trees (own package's, then the root project's). */
  private treeConfig(tree: keyof ProjectConfig['trees'], materialized: string, folders: string[], name: string): NodeConfig {
    const named = (t: Record<string, unknown> | undefined): boolean => {
      let level: unknown = t?.[this.config.name];
      for (const part of folders) {
        if (!isDict(level)) return false;
        level = level[part];
      }
      return isDict(level) && isDict(level[name]);
    };
    if (named(this.config.trees[tree]) || named(this.rootConfig?.trees[tree])) {
      const config = emptyConfig(materialized);
      for (const layer of this.layersFor(tree, [...folders, name])) applyConfig(config, layer);
      return config;
    }
    const key = `${tree}\u0000${materialized}\u0000${folders.join('/')}`;
    let merged = this.folderConfigs.get(key);
    if (!merged) {
      merged = emptyConfig(materialized);
      for (const layer of this.layersFor(tree, folders)) applyConfig(merged, layer);
      this.folderConfigs.set(key, merged);
    }
    // A copy per node, with its own lists and meta (as a node configured on its own would have).
    const config: NodeConfig = { ...merged, tags: merged.tags.slice(), meta: { ...merged.meta } };
    for (const hook of ['pre_hook', 'post_hook']) if (Array.isArray(merged[hook])) config[hook] = (merged[hook] as unknown[]).slice();
    return config;
  }

  private layersFor(tree: keyof ProjectConfig['trees'], path: string[]): Array<Record<string, unknown>> {
    const own = treeLayers(this.config.trees[tree], this.config.name, path);
    return this.rootConfig ? [...own, ...treeLayers(this.rootConfig.trees[tree], this.config.name, path, false)] : own;
  }

  load(): Project {
    this.config = this.readProjectConfig();
    const c = this.config;
    if (this.rootConfig) this.packages.set(c.name, c);
    for (const dir of c.macroPaths) this.loadSqlFiles(dir, 'macro');
    for (const dir of c.modelPaths) this.loadSqlFiles(dir, 'model');
    for (const dir of c.snapshotPaths) this.loadSqlFiles(dir, 'snapshot');
    for (const dir of c.testPaths) this.loadSqlFiles(dir, 'test');
    for (const dir of c.analysisPaths) this.loadSqlFiles(dir, 'analysis');
    for (const dir of c.seedPaths) this.loadSeeds(dir);
    const ymlDirs = new Set([...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.macroPaths, ...c.testPaths, ...c.analysisPaths]);
    const seen = new Set<string>();
    for (const dir of ymlDirs) {
      for (const abs of this.list(this.dirOf(dir))) {
        if (!/\.ya?ml$/i.test(abs) || seen.has(abs)) continue;
        seen.add(abs);
        this.loadPropertiesFile(relativePath(this.root, abs));
      }
    }
    this.addHooks();
    if (!this.rootConfig) this.loadPackages();
    return {
      root: this.root,
      config: c,
      packages: this.packages,
      nodes: this.nodes,
      disabled: this.disabled,
      macros: this.macros,
      files: this.files,
      diagnostics: this.diagnostics,
    };
  }

  private report(d: Omit<Diagnostic, 'severity'> & { severity?: Diagnostic['severity'] }): void {
    this.diagnostics.push({ severity: 'error', ...d });
  }

  private readText(rel: string, abs = joinPath(this.root, rel)): string | undefined {
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

  private readonly folderCache = new Map<string, string[]>();

  /** Folders of a file below the resource path that holds it (`models/silver/x.yml` → ['silver']). */
  private foldersOf(rel: string): string[] {
    let folders = this.folderCache.get(rel);
    if (!folders) {
      folders = this.computeFoldersOf(rel);
      this.folderCache.set(rel, folders);
    }
    return folders;
  }

  private computeFoldersOf(rel: string): string[] {
    const c = this.config;
    const parts = (this.base && rel.startsWith(this.base + '/') ? rel.slice(this.base.length + 1) : rel).split('/');
    for (const dir of [...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.testPaths, ...c.macroPaths, ...c.analysisPaths]) {
      const prefix = dir.replace(/^\.\//, '').replace(/\/$/, '').split('/');
      if (prefix.every((p, i) => parts[i] === p)) return parts.slice(prefix.length, -1);
    }
    return parts.slice(0, -1);
  }

  /** Project hooks become operation nodes, named as dbt names them (`<project>-on-run-start-0`). */
  private addHooks(): void {
    const c = this.config;
    const file = this.base ? `${this.base}/${PROJECT_FILE}` : PROJECT_FILE;
    const add = (when: 'on-run-start' | 'on-run-end', list: string[]): void => {
      list.forEach((sql, index) => {
        const name = `${c.name}-${when}-${index}`;
        const node: ProjectNode = newNode({
          uniqueId: `operation.${c.name}.${name}`,
          resourceType: 'operation',
          name,
          packageName: c.name,
          file,
          fqn: [c.name, 'hooks', name],
          config: emptyConfig('hook'),
          hook: { when, index, sql },
        });
        // Hooks may ref models (dbt records those as the hook's dependencies).
        const scanned = this.cache.scan(`${file}#${name}`, sql);
        node.refs = scanned.refs;
        node.sources = scanned.sources;
        this.register(node, undefined);
      });
    };
    add('on-run-start', c.onRunStart);
    add('on-run-end', c.onRunEnd);
  }

  /** Installed packages (`dbt deps` puts them in dbt_packages/): each is a dbt project of its own. */
  private loadPackages(): void {
    const installDir = this.config.packagesInstallPath;
    const seenPackages = new Set<string>();
    for (const abs of this.host.list(joinPath(this.root, installDir))) {
      const rel = relativePath(this.root, abs);
      const m = new RegExp(`^${escapeRegExp(installDir)}/([^/]+)/dbt_project\\.yml$`).exec(rel);
      if (!m || seenPackages.has(m[1]!)) continue;
      seenPackages.add(m[1]!);
      new Loader(this.host, this.root, this.cache, `${installDir}/${m[1]}`, this.config, this.shared).load();
    }
  }

  // ---------------------------------------------------------------- dbt_project.yml

  private readProjectConfig(): ProjectConfig {
    const fallbackName = joinPath(this.root, this.base).split('/').filter(Boolean).pop() ?? 'project';
    const config: ProjectConfig = {
      name: fallbackName,
      modelPaths: ['models'],
      seedPaths: ['seeds'],
      macroPaths: ['macros'],
      snapshotPaths: ['snapshots'],
      testPaths: ['tests'],
      analysisPaths: ['analyses'],
      targetPath: 'target',
      packagesInstallPath: 'dbt_packages',
      vars: {},
      trees: {},
      quoting: {},
      onRunStart: [],
      onRunEnd: [],
    };
    const projectFile = this.base ? `${this.base}/${PROJECT_FILE}` : PROJECT_FILE;
    const text = this.readText(projectFile);
    if (text === undefined) {
      this.report({ code: 'project-config', file: projectFile, message: `No ${PROJECT_FILE} in ${joinPath(this.root, this.base)}; using dbt's default layout` });
      return config;
    }
    const parsed = parseYaml(text);
    for (const p of parsed.problems) this.report({ code: 'yaml-syntax', file: projectFile, span: p.span, message: p.message });
    const root = parsed.root;
    if (root?.kind !== 'map') {
      if (parsed.problems.length === 0) this.report({ code: 'yaml-schema', file: projectFile, message: `${projectFile} must be a mapping` });
      return config;
    }
    const name = getString(root, 'name');
    if (name) config.name = name;
    else this.report({ code: 'yaml-schema', file: projectFile, span: root.span, message: `${projectFile} has no 'name'` });
    const profile = getString(root, 'profile');
    if (profile) config.profile = profile;
    const paths = (key: string, fallback: string[]): string[] => {
      const v = toJS(get(root, key));
      if (v === undefined || v === null) return fallback;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      this.report({ code: 'yaml-schema', file: projectFile, span: root.entries.get(key)!.keySpan, message: `'${key}' must be a list of folder names` });
      return fallback;
    };
    config.modelPaths = paths('model-paths', paths('source-paths', config.modelPaths));
    config.seedPaths = paths('seed-paths', paths('data-paths', config.seedPaths));
    config.macroPaths = paths('macro-paths', config.macroPaths);
    config.snapshotPaths = paths('snapshot-paths', config.snapshotPaths);
    config.testPaths = paths('test-paths', config.testPaths);
    config.analysisPaths = paths('analysis-paths', config.analysisPaths);
    config.targetPath = getString(root, 'target-path') ?? config.targetPath;
    config.packagesInstallPath = (getString(root, 'packages-install-path') ?? config.packagesInstallPath).replace(/\/$/, '');
    const vars = toJS(get(root, 'vars'));
    if (isDict(vars)) config.vars = vars;
    const hooks = (key: string): string[] => {
      const v = toJS(get(root, key));
      return v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
    };
    config.onRunStart = hooks('on-run-start');
    config.onRunEnd = hooks('on-run-end');
    const quoting = toJS(get(root, 'quoting'));
    if (isDict(quoting)) config.quoting = quoting;
    for (const key of ['models', 'seeds', 'snapshots', 'sources', 'unit_tests'] as const) {
      const tree = toJS(get(root, key));
      if (isDict(tree)) config.trees[key] = tree;
    }
    const tests = toJS(get(root, 'data_tests') ?? get(root, 'tests'));
    if (isDict(tests)) config.trees.tests = tests;
    return config;
  }

  // ---------------------------------------------------------------- SQL files

  /** Listings of this load: model paths are listed for their SQL and again for their yml. */
  private readonly listings = new Map<string, string[]>();

  private list(absDir: string): string[] {
    let files = this.listings.get(absDir);
    if (!files) {
      files = this.host.list(absDir);
      this.listings.set(absDir, files);
    }
    return files;
  }

  private loadSqlFiles(dir: string, kind: 'model' | 'snapshot' | 'macro' | 'test' | 'analysis'): void {
    const absDir = this.dirOf(dir);
    const rootPrefix = this.root === '/' ? '/' : `${this.root}/`;
    const dirPrefix = absDir === '/' ? '/' : `${absDir}/`;
    for (const listed of this.list(absDir)) {
      // Once normalized, a path under the folder is sliced: what relativePath does, without redoing it.
      const abs = normalizePath(listed);
      const rel = abs.startsWith(rootPrefix) ? abs.slice(rootPrefix.length) : relativePath(this.root, abs);
      if (this.files.has(rel)) continue;
      const isSql = abs.endsWith('.sql');
      if (kind === 'model' && abs.endsWith('.py')) {
        this.addPythonModel(rel, dir);
        continue;
      }
      if (!isSql) continue;
      const text = this.readText(rel, abs.startsWith(rootPrefix) ? abs : undefined);
      const file: ProjectFile = { path: rel, kind, blocks: [], nodeIds: [] };
      if (text !== undefined) file.text = text;
      this.files.set(rel, file);
      const result = text === undefined ? undefined : this.cache.scan(rel, text);
      if (result) {
        file.blocks = result.blocks;
        for (const p of result.problems) this.report({ code: 'jinja-syntax', file: rel, span: p.span, message: p.message });
      }
      // Macros and generic tests may live in any SQL file under macro and test paths.
      if (result && (kind === 'macro' || kind === 'test')) this.addMacros(rel, result);
      const pathParts = (abs.startsWith(dirPrefix) ? abs.slice(dirPrefix.length) : relativePath(absDir, abs)).split('/');
      const fileName = pathParts.pop()!;
      const stem = fileName.slice(0, -'.sql'.length);
      switch (kind) {
        case 'model':
          this.addNode(file, 'model', stem, pathParts, result);
          break;
        case 'analysis':
          this.addNode(file, 'analysis', stem, pathParts, result);
          break;
        case 'snapshot':
          if (result) this.addSnapshots(file, pathParts, result);
          break;
        case 'test':
          // Files holding only `{% test %}` definitions (tests/generic/) are not singular tests.
          if (result && !(pathParts[0] === 'generic' || (result.blocks.length > 0 && result.blocks.every((b) => b.kind === 'test' || b.kind === 'macro')))) {
            this.addNode(file, 'test', stem, pathParts, result);
          }
          break;
        case 'macro':
          break;
      }
    }
  }

  private addPythonModel(rel: string, dir: string): void {
    const parts = relativePath(this.dirOf(dir), joinPath(this.root, rel)).split('/');
    const stem = parts.pop()!.replace(/\.py$/, '');
    const file: ProjectFile = { path: rel, kind: 'python-model', blocks: [], nodeIds: [] };
    this.files.set(rel, file);
    this.addNode(file, 'model', stem, parts, undefined);
  }

  private addMacros(rel: string, result: ScanResult): void {
    for (const block of result.blocks) {
      let name: string;
      if (block.kind === 'macro') name = block.name;
      else if (block.kind === 'test') name = `test_${block.name}`;
      else if (block.kind === 'materialization') name = `materialization_${block.name}`;
      else continue;
      const def: MacroDefinition = { name, packageName: this.config.name, file: rel, block };
      const list = this.macros.get(name);
      const samePackage = list?.find((m) => m.packageName === def.packageName);
      if (list && !samePackage) {
        list.push(def);
      } else if (list && samePackage) {
        list.push(def);
        this.report({
          code: 'duplicate-name',
          file: rel,
          span: block.nameSpan,
          message: `Macro '${name}' is defined twice in project '${this.config.name}' (also in ${samePackage.file})`,
          related: [{ file: samePackage.file, span: samePackage.block.nameSpan, message: 'first definition' }],
        });
      } else {
        this.macros.set(name, [def]);
      }
    }
  }

  private addSnapshots(file: ProjectFile, folders: string[], result: ScanResult): void {
    const blocks = result.blocks.filter((b) => b.kind === 'snapshot');
    if (blocks.length === 0 && result.problems.length === 0) {
      // dbt 1.9 also allows yml-defined snapshots; a .sql without a block is a mistake in a snapshot path.
      this.report({ code: 'project-config', file: file.path, severity: 'warning', message: `${file.path} has no '{% snapshot name %}' block` });
    }
    for (const block of blocks) {
      const within = (s: { start: number }): boolean => s.start >= block.span.start && s.start <= block.span.end;
      const scoped: ScanResult = {
        ...result,
        refs: result.refs.filter((r) => within(r.callSpan)),
        sources: result.sources.filter((r) => within(r.callSpan)),
        dynamic: result.dynamic.filter((r) => within(r.callSpan)),
        configs: result.configs.filter((r) => within(r.callSpan)),
        macroCalls: result.macroCalls.filter((r) => within(r.span)),
      };
      const node = this.addNode(file, 'snapshot', block.name, folders, scoped);
      if (node) {
        node.nameSpan = block.nameSpan;
        node.blockSpan = block.span;
      }
    }
  }

  private addNode(file: ProjectFile, type: ResourceType, name: string, folders: string[], result: ScanResult | undefined): ProjectNode | undefined {
    const pkg = this.config.name;
    const treeKey = type === 'model' || type === 'analysis' ? 'models' : type === 'test' ? 'tests' : type === 'snapshot' ? 'snapshots' : 'seeds';
    const defaultMaterialization = type === 'model' ? 'view' : type === 'test' ? 'test' : type === 'snapshot' ? 'snapshot' : type === 'seed' ? 'seed' : 'view';
    const config = this.treeConfig(treeKey, defaultMaterialization, folders, name);
    for (const call of result?.configs ?? []) applyConfig(config, call.values);
    const node: ProjectNode = newNode({
      uniqueId: `${type}.${pkg}.${name}`,
      resourceType: type,
      name,
      packageName: pkg,
      file: file.path,
      fqn: [pkg, ...folders, name],
      config,
      refs: result?.refs ?? [],
      sources: result?.sources ?? [],
      dynamic: result?.dynamic ?? [],
      configCalls: result?.configs ?? [],
      macroCalls: result?.macroCalls ?? [],
    });
    if (type === 'test') node.test = { name, kwargs: {}, severity: severityOf(config) };
    this.register(node, file);
    return node;
  }

  /** Adds an enabled node (or records a disabled one); reports duplicates the way dbt does. */
  private register(node: ProjectNode, file: ProjectFile | undefined): void {
    // Most files define one node: a list of one, not a pushed list with room for sixteen more.
    if (file) {
      if (file.nodeIds.length === 0) file.nodeIds = [node.uniqueId];
      else file.nodeIds.push(node.uniqueId);
    }
    if (!node.config.enabled) {
      const list = this.disabled.get(node.name) ?? [];
      list.push(node);
      this.disabled.set(node.name, list);
      return;
    }
    const existing = this.nodes.get(node.uniqueId);
    if (existing) {
      const span = node.nameSpan ?? { start: 0, end: 0 };
      this.report({
        code: 'duplicate-name',
        file: node.file,
        span,
        message: `Two ${node.resourceType}s are named '${node.name}': ${existing.file} and ${node.file}`,
        related: [{ file: existing.file, ...(existing.nameSpan ? { span: existing.nameSpan } : {}), message: 'other definition' }],
      });
      return;
    }
    // Models, seeds and snapshots share one namespace for ref().
    if (node.resourceType === 'model' || node.resourceType === 'seed' || node.resourceType === 'snapshot') {
      const clash = this.byName.get('ref', node.name);
      if (clash) {
        this.report({
          code: 'duplicate-name',
          file: node.file,
          ...(node.nameSpan ? { span: node.nameSpan } : {}),
          message: `'${node.name}' is both a ${clash.resourceType} (${clash.file}) and a ${node.resourceType} (${node.file}); ref('${node.name}') is ambiguous`,
          related: [{ file: clash.file, message: 'other definition' }],
        });
      } else {
        this.byName.set('ref', node.name, node);
      }
    }
    // yml patches models, seeds, snapshots and analyses by name; tests are never looked up.
    if (node.resourceType !== 'test' && node.resourceType !== 'unit_test') this.byName.set(node.resourceType, node.name, node);
    this.nodes.set(node.uniqueId, node);
  }

  // ---------------------------------------------------------------- seeds

  private loadSeeds(dir: string): void {
    for (const abs of this.list(this.dirOf(dir))) {
      if (!abs.endsWith('.csv')) continue;
      const rel = relativePath(this.root, abs);
      const parts = relativePath(this.dirOf(dir), abs).split('/');
      const stem = parts.pop()!.replace(/\.csv$/, '');
      const file: ProjectFile = { path: rel, kind: 'seed', blocks: [], nodeIds: [] };
      this.files.set(rel, file);
      const node = this.addNode(file, 'seed', stem, parts, undefined);
      // Only the header is needed here; the runner reads the data.
      const text = this.readText(rel);
      if (node && text !== undefined) node.seedColumns = parseCsvHeader(text);
    }
  }

  // ---------------------------------------------------------------- properties yml

  private loadPropertiesFile(rel: string): void {
    const text = this.readText(rel);
    const file: ProjectFile = { path: rel, kind: 'yaml', blocks: [], nodeIds: [] };
    if (text !== undefined) file.text = text;
    this.files.set(rel, file);
    if (text === undefined) return;
    const parsed = parseYaml(text);
    for (const p of parsed.problems) this.report({ code: 'yaml-syntax', file: rel, span: p.span, message: p.message });
    const root = parsed.root;
    if (!root) return;
    // What a syntax error leaves behind is a guess; use it, but do not report schema problems in it.
    const reportsBefore = this.diagnostics.length;
    this.readProperties(rel, file, root);
    if (parsed.problems.length > 0) {
      const kept = this.diagnostics.slice(reportsBefore).filter((d) => d.code !== 'yaml-schema' && d.code !== 'missing-file');
      this.diagnostics.length = reportsBefore;
      this.diagnostics.push(...kept);
    }
  }

  private readProperties(rel: string, file: ProjectFile, root: YNode): void {
    if (root.kind !== 'map') {
      this.report({ code: 'yaml-schema', file: rel, span: root.span, message: `${rel}: a properties file must be a mapping (version: 2, models:, sources: ...)` });
      return;
    }
    // Every top-level key dbt 1.12 accepts in a properties file: warning about a valid one would be a false error.
    const known = new Set(['version', 'models', 'sources', 'seeds', 'snapshots', 'macros', 'unit_tests', 'exposures', 'metrics', 'semantic_models', 'saved_queries', 'groups', 'analyses', 'data_tests', 'functions']);
    for (const [key, { keySpan }] of root.entries) {
      if (!known.has(key)) {
        this.report({ code: 'yaml-schema', severity: 'warning', file: rel, span: keySpan, message: `Unknown top-level key '${key}' in ${rel}` });
      }
    }
    for (const entry of items(get(root, 'models'))) this.patchNode(rel, entry, 'model');
    for (const entry of items(get(root, 'seeds'))) this.patchNode(rel, entry, 'seed');
    for (const entry of items(get(root, 'snapshots'))) this.patchNode(rel, entry, 'snapshot');
    for (const entry of items(get(root, 'analyses'))) this.patchNode(rel, entry, 'analysis');
    for (const entry of items(get(root, 'sources'))) this.addSource(rel, file, entry);
    for (const entry of items(get(root, 'unit_tests'))) this.addUnitTest(rel, file, entry);
  }

  private patchNode(rel: string, entry: YNode, type: ResourceType): void {
    const name = getString(entry, 'name');
    const nameNode = get(entry, 'name');
    if (!name || entry.kind !== 'map') {
      this.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `Every entry under '${type}s:' needs a 'name'` });
      return;
    }
    const nameSpan = nameNode!.span;
    const versions = items(get(entry, 'versions'));
    if (type === 'model' && versions.length > 0) {
      this.patchVersions(rel, entry, name, nameSpan, versions);
      return;
    }
    let node = this.byName.get(type, name);
    if (!node) {
      const disabled = this.disabled.get(name)?.find((n) => n.resourceType === type);
      if (disabled) node = disabled;
    }
    if (!node && type === 'snapshot' && get(entry, 'relation')) node = this.addYamlSnapshot(rel, entry, name, nameSpan);
    if (!node) {
      const similar = [...this.byName.values()].filter((n) => n.resourceType === type).map((n) => n.name);
      const suggestion = suggest(name, similar, 1)[0];
      this.report({
        code: 'missing-file',
        severity: 'warning',
        file: rel,
        span: nameSpan,
        message: `${rel} describes ${type} '${name}', but no ${type} file defines it${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
        ...(suggestion ? { suggestions: [suggestion] } : {}),
      });
      return;
    }
    if (node.yml) {
      this.report({ code: 'duplicate-name', file: rel, span: nameSpan, message: `${type} '${name}' is described twice: in ${node.yml.file} and ${rel}` });
      return;
    }
    this.applyProperties(rel, entry, node, nameSpan);
  }

  /** dbt 1.9 snapshots defined in yml: `relation: ref('x')` plus config; the query is `select * from <relation>`. */
  private addYamlSnapshot(rel: string, entry: YNode, name: string, nameSpan: Span): ProjectNode | undefined {
    const relation = getString(entry, 'relation') ?? '';
    const scanned = scan(`{{ ${relation} }}`);
    const config = emptyConfig('snapshot');
    for (const layer of this.layersFor('snapshots', [...this.foldersOf(rel), name])) applyConfig(config, layer);
    const relationSpan = get(entry, 'relation')!.span;
    const node: ProjectNode = newNode({
      uniqueId: `snapshot.${this.config.name}.${name}`,
      resourceType: 'snapshot',
      name,
      packageName: this.config.name,
      file: rel,
      nameSpan,
      fqn: [this.config.name, ...this.foldersOf(rel), name, name],
      config,
      refs: scanned.refs.map((r) => ({ ...r, span: relationSpan, callSpan: relationSpan })),
      sources: scanned.sources.map((x) => ({ ...x, sourceSpan: relationSpan, tableSpan: relationSpan, callSpan: relationSpan })),
      snapshotRelation: relation,
    });
    this.register(node, this.files.get(rel));
    return node.config.enabled ? node : undefined;
  }

  /**
   * A versioned model: each version lives in `<name>_v<v>.sql` (or `defined_in`), the latest may
   * live in `<name>.sql`. Nodes become `model.<pkg>.<name>.v<v>`; ref('name') means the latest.
   */
  private patchVersions(rel: string, entry: YNode, name: string, nameSpan: Span, versions: YNode[]): void {
    const listed = versions.map((item) => ({ item, v: getString(item, 'v') })).filter((x): x is { item: YNode; v: string } => x.v !== undefined);
    const numeric = listed.every((x) => !Number.isNaN(Number(x.v)));
    const latest = getString(entry, 'latest_version') ?? listed.map((x) => x.v).sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b))).pop();
    for (const { item, v } of listed) {
      const fileName = getString(item, 'defined_in') ?? `${name}_v${v}`;
      let node = this.byName.get('model', fileName);
      if (!node && v === latest) node = this.byName.get('model', name);
      if (!node) {
        this.report({ code: 'missing-file', severity: 'warning', file: rel, span: get(item, 'v')?.span ?? nameSpan, message: `Version ${v} of model '${name}' has no file (expected ${fileName}.sql)` });
        continue;
      }
      this.nodes.delete(node.uniqueId);
      this.byName.delete('model', node.name);
      if (this.byName.get('ref', node.name) === node) this.byName.delete('ref', node.name);
      const file = this.files.get(node.file);
      const oldId = node.uniqueId;
      node.name = name;
      node.version = v;
      if (latest !== undefined) node.latestVersion = latest;
      node.uniqueId = `model.${node.packageName}.${name}.v${v}`;
      node.fqn = [...node.fqn.slice(0, -1), name, `v${v}`];
      if (file) file.nodeIds = file.nodeIds.map((id) => (id === oldId ? node!.uniqueId : id));
      this.nodes.set(node.uniqueId, node);
      this.byName.set('model', `${name}.v${v}`, node);
      this.applyProperties(rel, entry, node, nameSpan, `${name}_v${v}`);
      const versionConfig = toJS(get(item, 'config'));
      if (isDict(versionConfig)) {
        applyConfig(node.config, versionConfig);
        for (const call of node.configCalls) applyConfig(node.config, call.values);
      }
    }
  }

  private applyProperties(rel: string, entry: YNode, node: ProjectNode, nameSpan: Span, testTargetName?: string): void {
    node.yml = { file: rel, span: nameSpan };
    const description = getString(entry, 'description');
    if (description !== undefined) node.description = description;
    const ymlConfig = toJS(get(entry, 'config'));
    if (isDict(ymlConfig)) {
      applyConfig(node.config, ymlConfig);
      // config() in SQL outranks yml: reapply it.
      for (const call of node.configCalls) applyConfig(node.config, call.values);
    }
    // Pre-1.x style: configs like `materialized` directly on the entry are not supported by dbt 1.x either.
    node.columns = this.readColumns(rel, entry);
    this.addGenericTests(rel, entry, node, undefined, testTargetName);
    for (const column of items(get(entry, 'columns'))) {
      const columnName = getString(column, 'name');
      if (columnName) this.addGenericTests(rel, column, node, columnName, testTargetName);
    }
  }

  private readColumns(rel: string, entry: YNode): ColumnInfo[] {
    const columns: ColumnInfo[] = [];
    for (const column of items(get(entry, 'columns'))) {
      const name = getString(column, 'name');
      if (!name) {
        this.report({ code: 'yaml-schema', file: rel, span: column.span, message: `A column in ${rel} has no 'name'` });
        continue;
      }
      const info: ColumnInfo = { name, file: rel, span: get(column, 'name')!.span };
      const description = getString(column, 'description');
      if (description !== undefined) info.description = description;
      const dataType = getString(column, 'data_type');
      if (dataType !== undefined) info.dataType = dataType;
      columns.push(info);
    }
    return columns.slice();
  }

  private addSource(rel: string, file: ProjectFile, entry: YNode): void {
    const sourceName = getString(entry, 'name');
    if (!sourceName || entry.kind !== 'map') {
      this.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `Every source in ${rel} needs a 'name'` });
      return;
    }
    const pkg = this.config.name;
    const sourceConfig = toJS(get(entry, 'config'));
    const sourceMeta = toJS(get(entry, 'meta'));
    const folders = this.foldersOf(rel);
    for (const table of items(get(entry, 'tables'))) {
      const tableName = getString(table, 'name');
      if (!tableName || table.kind !== 'map') {
        this.report({ code: 'yaml-schema', file: rel, span: table.span, message: `A table of source '${sourceName}' has no 'name'` });
        continue;
      }
      const config = emptyConfig('source');
      for (const layer of this.layersFor('sources', [sourceName, tableName])) applyConfig(config, layer);
      if (isDict(sourceConfig)) applyConfig(config, sourceConfig);
      if (isDict(sourceMeta)) applyConfig(config, { meta: sourceMeta });
      // Sources are quoted by their yml `quoting:` property (dbt ignores a `+quoting` config for them).
      const quoting: Record<string, unknown> = {};
      for (const q of [toJS(get(entry, 'quoting')), toJS(get(table, 'quoting'))]) if (isDict(q)) Object.assign(quoting, q);
      const tableConfig = toJS(get(table, 'config'));
      if (isDict(tableConfig)) applyConfig(config, tableConfig);
      const tableMeta = toJS(get(table, 'meta'));
      if (isDict(tableMeta)) applyConfig(config, { meta: tableMeta });
      const tags = [...toList(toJS(get(entry, 'tags'))), ...toList(toJS(get(table, 'tags')))];
      if (tags.length) applyConfig(config, { tags });
      const node: ProjectNode = newNode({
        uniqueId: `source.${pkg}.${sourceName}.${tableName}`,
        resourceType: 'source',
        name: tableName,
        packageName: pkg,
        file: rel,
        nameSpan: get(table, 'name')!.span,
        fqn: [pkg, ...folders, sourceName, tableName],
        config,
        columns: this.readColumns(rel, table),
        yml: { file: rel, span: get(table, 'name')!.span },
        source: {
          sourceName,
          identifier: getString(table, 'identifier') ?? tableName,
          sourceMeta: isDict(sourceMeta) ? sourceMeta : {},
          quoting,
        },
      });
      const schema = getString(entry, 'schema') ?? sourceName;
      node.source!.schema = schema;
      const database = getString(entry, 'database') ?? getString(entry, 'catalog');
      if (database !== undefined) node.source!.database = database;
      const loader = getString(entry, 'loader');
      if (loader !== undefined) node.source!.loader = loader;
      const sourceDescription = getString(entry, 'description');
      if (sourceDescription !== undefined) node.source!.sourceDescription = sourceDescription;
      const description = getString(table, 'description');
      if (description !== undefined) node.description = description;
      this.register(node, file);
      if (!node.config.enabled) continue;
      this.addGenericTests(rel, table, node, undefined);
      for (const column of items(get(table, 'columns'))) {
        const columnName = getString(column, 'name');
        if (columnName) this.addGenericTests(rel, column, node, columnName);
      }
    }
  }

  /** Generic tests under `tests:`/`data_tests:` of a model, source table or column, named as dbt names them. */
  private addGenericTests(rel: string, holder: YNode, target: ProjectNode, columnName: string | undefined, targetName = target.name): void {
    if (holder.kind !== 'map') return;
    const dataTests = holder.entries.get('data_tests')?.value;
    const tests = holder.entries.get('tests')?.value;
    if (dataTests?.kind !== 'seq' && tests?.kind !== 'seq') return;
    const file = this.files.get(rel);
    const named = { name: targetName, resourceType: target.resourceType, source: target.source };
    const treeConfigs = this.config.trees.tests || this.rootConfig?.trees.tests;
    for (const list of [items(dataTests), items(tests)]) for (const spec of list) this.addGenericTest(rel, file, spec, target, named, columnName, treeConfigs !== undefined);
  }

  /** One entry under `tests:`/`data_tests:`: `unique`, or `accepted_values: {values: [...], config: {...}}`. */
  private addGenericTest(
    rel: string,
    file: ProjectFile | undefined,
    spec: YNode,
    target: ProjectNode,
    named: Pick<ProjectNode, 'name' | 'resourceType' | 'source'>,
    columnName: string | undefined,
    treeConfigs: boolean,
  ): void {
    let testName: string | undefined;
    let args: Record<string, unknown> | undefined;
    let testConfig: Record<string, unknown> | undefined;
    let span: Span = spec.span;
    if (spec.kind === 'scalar' && typeof spec.value === 'string') {
      testName = spec.value;
    } else if (spec.kind === 'map' && spec.entries.size >= 1) {
      const [first] = spec.entries;
      const [key, { keySpan, value }] = first!;
      testName = key;
      span = keySpan;
      const raw = toJS(value);
      if (isDict(raw)) {
        const { config, arguments: explicitArgs, name: customName, ...rest } = raw;
        args = isDict(explicitArgs) ? { ...explicitArgs } : rest;
        testConfig = isDict(config) ? config : {};
        // Old style: severity/where/... directly among the arguments.
        for (const k of ['severity', 'where', 'error_if', 'warn_if', 'store_failures', 'limit', 'tags', 'enabled', 'meta']) {
          if (k in args) {
            testConfig[k] = args[k];
            delete args[k];
          }
        }
        if (typeof customName === 'string') args.__name__ = customName;
      }
    }
    if (!testName) {
      this.report({ code: 'yaml-schema', file: rel, span, message: `Cannot read this test entry in ${rel}` });
      return;
    }
    const dot = testName.indexOf('.');
    const namespace = dot === -1 ? undefined : testName.slice(0, dot);
    const bare = dot === -1 ? testName : testName.slice(dot + 1, testName.indexOf('.', dot + 1) === -1 ? undefined : testName.indexOf('.', dot + 1));
    // A copy without our private __name__ marker (built, not deleted: delete de-optimises objects).
    let kwargs: Record<string, unknown>;
    if (!args) kwargs = columnName === undefined ? {} : { column_name: columnName };
    else {
      kwargs = '__name__' in args ? Object.fromEntries(Object.entries(args).filter(([k]) => k !== '__name__')) : { ...args };
      if (columnName !== undefined) kwargs.column_name = columnName;
    }
    const given = typeof args?.__name__ === 'string' ? args.__name__ : synthesizeTestName(bare, named, kwargs);
    // The id as one flat string and the name a slice of it: the pieces the name was built from
    // (tens of thousands of small strings in a big project) are not kept.
    const uniqueId = `test.${this.config.name}.${given}`;
    const name = uniqueId.slice(uniqueId.length - given.length);
    const config = emptyConfig('test');
    if (treeConfigs) for (const layer of this.layersFor('tests', [name])) applyConfig(config, layer);
    if (testConfig) applyConfig(config, testConfig);
    const attachedTo = target.uniqueId;
    const severity = severityOf(config);
    // Literals with every key: an object that gains a key later gets a second, out-of-line store.
    const test: NonNullable<ProjectNode['test']> =
      columnName === undefined
        ? namespace
          ? { name: bare, kwargs, attachedTo, severity, namespace }
          : { name: bare, kwargs, attachedTo, severity }
        : namespace
          ? { name: bare, kwargs, attachedTo, severity, namespace, columnName }
          : { name: bare, kwargs, attachedTo, severity, columnName };
    const fqn = this.fqnPrefix(rel).concat(name);
    const packageName = this.config.name;
    // Enabled tests get the layer key the graph sets on every node (disabled ones never reach it).
    const node: ProjectNode = config.enabled
      ? { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, configCalls: NONE, macroCalls: NONE, dependsOn: NONE, uniqueId, resourceType: 'test', name, packageName, file: rel, nameSpan: span, fqn, config, test, layer: undefined }
      : { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, configCalls: NONE, macroCalls: NONE, dependsOn: NONE, uniqueId, resourceType: 'test', name, packageName, file: rel, nameSpan: span, fqn, config, test };
    // Arguments like `to: ref('other')` add dependencies, exactly as dbt renders them.
    for (const value of Object.values(kwargs)) {
      if (typeof value !== 'string' || !/\b(ref|source)\s*\(/.test(value)) continue;
      const inner = scan(`{{ ${value} }}`);
      node.refs = [...node.refs, ...inner.refs.map((r) => ({ ...r, span: span, callSpan: span }))];
      node.sources = [...node.sources, ...inner.sources.map((s) => ({ ...s, sourceSpan: span, tableSpan: span, callSpan: span }))];
    }
    this.register(node, file);
  }

  private readonly fqnPrefixes = new Map<string, string[]>();

  /** `[package, ...folders]` of a yml file: the start of the fqn of every test it defines (shared, never mutated). */
  private fqnPrefix(rel: string): string[] {
    let prefix = this.fqnPrefixes.get(rel);
    if (!prefix) {
      prefix = [this.config.name, ...this.foldersOf(rel)];
      this.fqnPrefixes.set(rel, prefix);
    }
    return prefix;
  }

  private addUnitTest(rel: string, file: ProjectFile, entry: YNode): void {
    const name = getString(entry, 'name');
    const model = getString(entry, 'model');
    if (!name || !model || entry.kind !== 'map') {
      this.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `A unit test in ${rel} needs 'name' and 'model'` });
      return;
    }
    const config = emptyConfig('unit');
    const raw = toJS(get(entry, 'config'));
    if (isDict(raw)) applyConfig(config, raw);
    const given = toJS(get(entry, 'given'));
    const node: ProjectNode = newNode({
      uniqueId: `unit_test.${this.config.name}.${model}.${name}`,
      resourceType: 'unit_test',
      name,
      packageName: this.config.name,
      file: rel,
      nameSpan: get(entry, 'name')!.span,
      fqn: [this.config.name, model, name],
      config,
      unitTest: { model, given: Array.isArray(given) ? given : [], expect: toJS(get(entry, 'expect')), overrides: toJS(get(entry, 'overrides')) },
    });
    const modelNode = get(entry, 'model')!;
    node.refs = [{ name: model, span: modelNode.span, callSpan: modelNode.span }];
    const description = getString(entry, 'description');
    if (description !== undefined) node.description = description;
    this.register(node, file);
  }
}

function severityOf(config: NodeConfig): 'warn' | 'error' {
  if (config.severity === undefined || config.severity === null) return 'error';
  return String(config.severity).toLowerCase() === 'warn' ? 'warn' : 'error';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v === undefined || v === null) return [];
  return [String(v)];
}

function looksBinary(text: string): boolean {
  const probe = text.length > 8192 ? text.slice(0, 8192) : text;
  return probe.indexOf('\u0000') !== -1;
}

/** The first line of a CSV (a seed's header), BOM and surrounding spaces removed. */
export function parseCsvHeader(text: string): string[] {
  const end = text.search(/\r?\n/);
  // Only the first line is parsed: a large seed is not read through for its header.
  return (parseCsv(end === -1 ? text : text.slice(0, end))[0] ?? []).map((c) => c.trim());
}
