/** Building nodes and registering them: dbt's rules for disabled nodes, duplicates and the ref() namespace. */
import { configFromLayers, copyConfig, nodeTagsOf } from '../config-tree';
import { correctedAnalysisFqns, type ConfigLayers, type NodeConfig, type ProjectFile, type ProjectNode, type ResourceType } from '../model';
import type { ScanResult } from '../scanner';
import { flat, type Span } from '../text';
import type { LoadState, PackageContext } from './context';

/** One shared empty list for the many nodes (tests) that have none: never mutated, only replaced. */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/**
 * `[...list, last]` as a list of exactly that size, built as a literal for the short lists fqns
 * are: concat is several times slower, and a spread or push leaves room for 16 more in each of
 * tens of thousands of test fqns.
 */
export function withLast(list: readonly string[], last: string): string[] {
  switch (list.length) {
    case 0:
      return [last];
    case 1:
      return [list[0]!, last];
    case 2:
      return [list[0]!, list[1]!, last];
    case 3:
      return [list[0]!, list[1]!, list[2]!, last];
    case 4:
      return [list[0]!, list[1]!, list[2]!, list[3]!, last];
    case 5:
      return [list[0]!, list[1]!, list[2]!, list[3]!, list[4]!, last];
    default:
      return list.concat(last);
  }
}

/** `[package, ...folders]`, made once for the run of nodes of one folder (files of a folder come together). */
let lastPrefix: { pkg: string; folders: readonly string[]; prefix: string[] } | undefined;

function fqnPrefixOf(pkg: string, folders: readonly string[]): string[] {
  if (lastPrefix?.folders !== folders || lastPrefix.pkg !== pkg) lastPrefix = { pkg, folders, prefix: [pkg, ...folders] };
  return lastPrefix.prefix;
}

type NodeLists = 'columns' | 'refs' | 'sources' | 'dynamic' | 'dependsOn';

/** A node with empty lists unless given: every node kind is built the same way. */
export function newNode(fields: Omit<ProjectNode, NodeLists> & Partial<Pick<ProjectNode, NodeLists>>): ProjectNode {
  return { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, dependsOn: NONE, ...fields };
}

/**
 * The node a SQL file defines (a model, analysis, singular test or snapshot block), read as dbt
 * parse reads it: configured by its project tree, its refs, sources and config() from parse time
 * (a render, or the static scan where that is provably the same), then its hooks rendered for
 * their refs; registered enabled or disabled by the result.
 */
export function addNode(ctx: PackageContext, file: ProjectFile, type: ResourceType, name: string, folders: string[], result: ScanResult | undefined, block?: { nameSpan: Span; span: Span }): ProjectNode | undefined {
  const pkg = ctx.config.name;
  const treeKey = type === 'model' ? 'models' : type === 'analysis' ? (correctedAnalysisFqns(ctx.rootConfig ?? ctx.config) ? 'analyses' : 'models') : type === 'test' ? 'tests' : type === 'snapshot' ? 'snapshots' : 'seeds';
  const python = file.kind === 'python-model';
  const defaultMaterialization = type === 'model' ? (python ? 'table' : 'view') : type === 'test' ? 'test' : type === 'snapshot' ? 'snapshot' : type === 'seed' ? 'seed' : 'view';
  const tree = ctx.treeConfig(treeKey, defaultMaterialization, folders, name);
  const rootLayers = ctx.rootConfig ? ctx.rootLayers(treeKey, [...folders, name]) : undefined;
  // One literal with every key the load and the graph give a SQL node (undefined until given): a
  // key added later costs each of tens of thousands of nodes a second, out-of-line store.
  // The config() layer is given with the others (not added to them later), for the same reason.
  let layers: ConfigLayers = rootLayers ? { tree, rootLayers } : { tree };
  const node: ProjectNode = {
    columns: NONE,
    refs: NONE,
    sources: NONE,
    dynamic: result?.dynamic ?? [],
    dependsOn: NONE,
    uniqueId: flat(`${type}.${pkg}.${name}`),
    resourceType: type,
    name,
    packageName: pkg,
    file: file.path,
    fqn: withLast(fqnPrefixOf(pkg, folders), name),
    // The tree's config until its layers are applied below. The parse-time render shows the node
    // its config (`model.config`) as its own copy, made only when a render asks (parseTimeNodeDict):
    // the tree's is shared.
    config: tree,
    configLayers: layers,
    parsed: undefined,
    layer: undefined,
    yml: undefined,
    description: undefined,
  };
  if (block) {
    node.nameSpan = block.nameSpan;
    node.blockSpan = block.span;
  }
  const parser = ctx.state.parser;
  // Seeds have no Jinja; Python models neither: dbt reads their dbt.ref/source/config calls from the syntax tree.
  if (parser && !python && type !== 'seed') {
    const parsed = parser.parseNode(node, file.text, result);
    node.refs = parsed.refs;
    node.sources = parsed.sources;
    node.parsed = ctx.state.parseRecord(parsed.by, parsed.macros, parsed.uses);
    if (Object.keys(parsed.call).length > 0) layers = rootLayers ? { tree, rootLayers, call: parsed.call } : { tree, call: parsed.call };
    for (const d of parsed.diagnostics) ctx.state.diagnostics.push(d);
  } else {
    node.refs = result?.refs ?? [];
    node.sources = result?.sources ?? [];
    const call: Record<string, unknown> = {};
    for (const c of result?.configs ?? []) Object.assign(call, c.values);
    if (Object.keys(call).length > 0) layers = rootLayers ? { tree, rootLayers, call } : { tree, call };
    if (python) node.parsed = ctx.state.parseRecord('scan', [], []);
    if (type === 'seed') {
      node.refs = NONE;
      node.sources = NONE;
    }
  }
  node.configLayers = layers;
  node.config = configFromLayers(layers);
  const tags = nodeTagsOf(layers, node.config);
  if (tags) node.tags = tags;
  if (type !== 'seed') renderHooks(ctx, node);
  if (type === 'test') node.test = { name, kwargs: {}, severity: severityOf(node.config) };
  register(ctx, node, file);
  return node;
}

/** A yml `config:` patch: the node's config is recomputed in dbt's precedence, and hooks it adds are rendered. */
export function patchConfig(ctx: PackageContext, node: ProjectNode, patch: Record<string, unknown>): void {
  const layers = (node.configLayers ??= { tree: node.config });
  layers.patch = layers.patch ? { ...layers.patch, ...patch } : patch;
  node.config = configFromLayers(layers);
  const tags = nodeTagsOf(layers, node.config);
  if (tags) node.tags = tags;
  else if (node.tags) delete node.tags;
  if (node.resourceType !== 'seed') renderHooks(ctx, node, patch);
}

/** A node's pre- and post-hooks are rendered at parse time too: refs in them are the node's, as in dbt. */
export function renderHooks(ctx: PackageContext, node: ProjectNode, only?: Record<string, unknown>): void {
  const parser = ctx.state.parser;
  const config = only ?? node.config;
  const { pre_hook: pre, post_hook: post, 'pre-hook': preDash, 'post-hook': postDash } = config;
  // Most nodes have no hooks: no lists for them.
  if (!parser || ((pre === undefined || pre === null) && (post === undefined || post === null) && (preDash === undefined || preDash === null) && (postDash === undefined || postDash === null))) return;
  const hooks = [pre, post, preDash, postDash].flatMap((h) => (h === undefined || h === null ? [] : Array.isArray(h) ? h : [h]));
  if (hooks.length === 0) return;
  const parsed = parser.renderHooks(node, hooks);
  if (parsed.refs.length > 0) node.refs = [...node.refs, ...parsed.refs];
  if (parsed.sources.length > 0) node.sources = [...node.sources, ...parsed.sources];
  // Parse records are shared (frozen): the node gets a new one.
  if (node.parsed && (parsed.macros.length > 0 || parsed.uses.length > 0)) {
    const { by, macros, uses } = node.parsed;
    node.parsed = ctx.state.parseRecord(by, parsed.macros.length > 0 ? [...new Set([...macros, ...parsed.macros])] : macros, parsed.uses.length > 0 ? [...new Set([...uses, ...parsed.uses])] : uses);
  }
  for (const d of parsed.diagnostics) ctx.state.diagnostics.push(d);
}

/** Adds an enabled node (or records a disabled one); reports duplicates the way dbt does. */
export function register(ctx: PackageContext, node: ProjectNode, file: ProjectFile | undefined): void {
  const state = ctx.state;
  // Most files define one node: a list of one, not a pushed list with room for sixteen more.
  if (file) {
    if (file.nodeIds.length === 0) file.nodeIds = [node.uniqueId];
    else file.nodeIds.push(node.uniqueId);
  }
  if (!node.config.enabled) {
    const list = state.disabled.get(node.name) ?? [];
    list.push(node);
    state.disabled.set(node.name, list);
    return;
  }
  const existing = state.nodes.get(node.uniqueId);
  if (existing) {
    const span = node.nameSpan ?? { start: 0, end: 0 };
    state.report({
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
    const clash = ctx.named('ref', node.name);
    if (clash) {
      state.report({
        code: 'duplicate-name',
        file: node.file,
        ...(node.nameSpan ? { span: node.nameSpan } : {}),
        message: `'${node.name}' is both a ${clash.resourceType} (${clash.file}) and a ${node.resourceType} (${node.file}); ref('${node.name}') is ambiguous`,
        related: [{ file: clash.file, message: 'other definition' }],
      });
    } else {
      ctx.setNamed('ref', node.name, node);
    }
  }
  // yml patches models, seeds, snapshots and analyses by name; tests are never looked up.
  if (node.resourceType !== 'test' && node.resourceType !== 'unit_test') ctx.setNamed(node.resourceType, node.name, node);
  state.nodes.set(node.uniqueId, node);
}

export function severityOf(config: NodeConfig): 'warn' | 'error' {
  if (config.severity === undefined || config.severity === null) return 'error';
  return String(config.severity).toLowerCase() === 'warn' ? 'warn' : 'error';
}

/**
 * dbt's handling of tests whose model is disabled, once every node's enabled state is settled:
 * a unit test of a disabled model is disabled too (manifest `disabled`, no error); a data test
 * (singular, generic with a `ref()` argument, or generic on a disabled model or source) that
 * refers to a disabled model stays in the project with `enabled: false` and no dependency on it
 * (dbt warns; graph.ts reports that); it is selected for nothing (selector.ts, as dbt).
 * A ref that an enabled node of the same name answers is left to the graph.
 */
export function settleTestsOfDisabled(state: LoadState): void {
  if (state.disabled.size === 0) return;
  /** The packages of the enabled models, seeds and snapshots of each name: built on first need. */
  let enabled: Map<string, string[]> | undefined;
  const fits = (pkg: string, packageName: string | undefined, samePackage: string | undefined): boolean => (packageName === undefined || pkg === packageName) && (samePackage === undefined || pkg === samePackage);
  const isDisabledRef = (name: string, packageName: string | undefined, samePackage: string | undefined): boolean => {
    const disabled = state.disabled.get(name)?.some((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test' && n.resourceType !== 'source' && fits(n.packageName, packageName, samePackage));
    if (!disabled) return false;
    if (!enabled) {
      enabled = new Map();
      for (const n of state.nodes.values()) {
        if (n.resourceType !== 'model' && n.resourceType !== 'seed' && n.resourceType !== 'snapshot') continue;
        const list = enabled.get(n.name);
        if (list) list.push(n.packageName);
        else enabled.set(n.name, [n.packageName]);
      }
    }
    return !(enabled.get(name) ?? []).some((pkg) => fits(pkg, packageName, samePackage));
  };
  let disabledIds: Set<string> | undefined;
  const isDisabledId = (id: string): boolean => {
    if (!disabledIds) {
      disabledIds = new Set();
      for (const list of state.disabled.values()) for (const n of list) disabledIds.add(n.uniqueId);
    }
    return disabledIds.has(id);
  };
  const moved: ProjectNode[] = [];
  // A node's tests come one after another: whether their node is a disabled one is found once for the run.
  let lastAttached: string | undefined;
  let lastOffTarget = false;
  for (const node of state.nodes.values()) {
    if (node.resourceType === 'unit_test' && node.unitTest) {
      // dbt finds a unit test's model among the enabled nodes of the test's own package.
      const model = node.refs[0]?.name ?? node.unitTest.model;
      if (isDisabledRef(model, undefined, node.packageName)) moved.push(node);
    } else if (node.resourceType === 'test' && node.config.enabled) {
      const attached = node.test?.attachedTo;
      // A generic test of a disabled model or source: dbt's ref (source) to it finds it disabled.
      if (attached !== lastAttached) {
        lastAttached = attached;
        lastOffTarget = attached !== undefined && attached !== '' && !state.nodes.has(attached) && isDisabledId(attached);
      }
      const offTarget = lastOffTarget;
      if (offTarget || (node.refs.length > 0 && node.refs.some((r) => isDisabledRef(r.name, r.packageName, undefined)))) node.config = { ...copyConfig(node.config), enabled: false };
    }
  }
  for (const node of moved) {
    state.nodes.delete(node.uniqueId);
    node.config = { ...copyConfig(node.config), enabled: false };
    const list = state.disabled.get(node.name);
    if (list) list.push(node);
    else state.disabled.set(node.name, [node]);
  }
}
