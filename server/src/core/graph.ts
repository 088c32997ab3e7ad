/**
 * The project graph: ref()/source() resolved to nodes, parents/children, cycles with their full
 * path, upstream/downstream with depth, and the medallion layer of every node.
 */
import { compareRoot } from './collation';
import type { Diagnostic } from './diagnostics';
import type { Project, ProjectNode } from './model';
import { LAYERS_DEFAULT } from './model';
import type { RefCall, SourceCall } from './scanner';
import { NameIndex, suggest, type Span } from './text';

export interface LayerOptions {
  /** Layer names from upstream to downstream. */
  names: string[];
  /** Layer of sources when nothing else says (the landing zone). */
  sourceLayer: string;
  /** Allowed parents per layer; a layer missing here may read any layer at or upstream of it. */
  allowedParents: Record<string, string[]>;
}

/**
 * The layers a project configures through dbt's own `vars` (dbt accepts any var without a
 * warning), globally or scoped to the project:
 *
 *     vars:
 *       medallion:
 *         layers: [staging, intermediate, marts]   # upstream to downstream
 *         source_layer: raw                        # optional: the layer of sources
 *         allowed_parents: {marts: [intermediate, marts]}   # optional rules
 *
 * Undefined when the project configures none (or the var is not a list of names).
 */
export function layerOptionsFromVars(project: Project): LayerOptions | undefined {
  const scoped = project.config.vars[project.config.name];
  const value = (isRecord(scoped) && isRecord(scoped.medallion) ? scoped.medallion : project.config.vars.medallion) as unknown;
  if (!isRecord(value) || !Array.isArray(value.layers)) return undefined;
  const names = value.layers.filter((n): n is string => typeof n === 'string' && n.length > 0);
  if (names.length === 0) return undefined;
  const allowedParents: Record<string, string[]> = {};
  if (isRecord(value.allowed_parents)) {
    for (const [layer, parents] of Object.entries(value.allowed_parents)) if (Array.isArray(parents)) allowedParents[layer] = parents.map(String);
  }
  return { names, sourceLayer: typeof value.source_layer === 'string' ? value.source_layer : '', allowedParents };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const DEFAULT_LAYER_OPTIONS: LayerOptions = {
  names: [...LAYERS_DEFAULT],
  sourceLayer: 'landing',
  allowedParents: {
    // bronze ingests raw data: landing zone and seeds only.
    bronze: ['landing', 'seed', 'bronze'],
    // gold reads curated data, never raw or bronze directly.
    gold: ['silver', 'gold', 'seed'],
  },
};

export interface CyclicComponent {
  members: string[];
  path: string[];
  diagnostics: Diagnostic[];
}

/**
 * Each node's parents are its `dependsOn`: a view over the nodes rather than a second map of
 * every node (in a big project most nodes are tests with one parent each).
 */
export class ParentIndex {
  constructor(private readonly nodes: Map<string, ProjectNode>) {}

  get(id: string): string[] | undefined {
    return this.nodes.get(id)?.dependsOn;
  }

  set(id: string, parents: string[]): void {
    const node = this.nodes.get(id);
    if (node) node.dependsOn = parents;
  }
}

/**
 * A lookup entry for a name only one package defines (nearly every name): `package → node`
 * without a Map per name, which a big project would keep tens of thousands of.
 */
export class OnePackage implements ReadonlyMap<string, ProjectNode> {
  constructor(
    readonly packageName: string,
    readonly node: ProjectNode,
  ) {}

  get size(): number {
    return 1;
  }

  get(packageName: string): ProjectNode | undefined {
    return packageName === this.packageName ? this.node : undefined;
  }

  has(packageName: string): boolean {
    return packageName === this.packageName;
  }

  forEach(callback: (node: ProjectNode, packageName: string, map: ReadonlyMap<string, ProjectNode>) => void, thisArg?: unknown): void {
    callback.call(thisArg, this.node, this.packageName, this);
  }

  entries(): MapIterator<[string, ProjectNode]> {
    return new Map([[this.packageName, this.node]]).entries();
  }

  keys(): MapIterator<string> {
    return [this.packageName][Symbol.iterator]();
  }

  values(): MapIterator<ProjectNode> {
    return [this.node][Symbol.iterator]();
  }

  [Symbol.iterator](): MapIterator<[string, ProjectNode]> {
    return this.entries();
  }
}

export class ProjectGraph {
  readonly parents: ParentIndex;
  readonly children = new Map<string, string[]>();
  /** Models, seeds and snapshots by name (ref() targets). */
  readonly refTargets = new Map<string, ProjectNode>();
  /** Source tables by `source.table`. */
  readonly sourceTables = new Map<string, ProjectNode>();
  readonly cycles: string[][] = [];
  /**
   * Every node of a cyclic component, with that component: its members (a reported cycle path may
   * not name them all), its path in `cycles` and the diagnostics reported for it.
   */
  readonly cyclic = new Map<string, CyclicComponent>();
  private names: NameIndex | undefined;
  /**
   * Whether the project has layers: configured (editor setting or `vars`), or named by a model's
   * `meta.layer`, a tag or a folder. Without layers nothing gets a layer (sources and seeds
   * neither), layer rules stay off and editors group by folder.
   */
  layered = false;
  /**
   * The layers in use, upstream to downstream: the configured ones, then names only `meta.layer`
   * gives, ordered by where their nodes sit in the graph (layer rules never apply to those).
   */
  layerNames: string[] = [];

  constructor(readonly project: Project, readonly layers: LayerOptions) {
    this.parents = new ParentIndex(project.nodes);
  }

  /** Names ref() can resolve to, prepared for "did you mean" (on first need). */
  refNames(): NameIndex {
    return (this.names ??= new NameIndex(this.refTargets.keys()));
  }

  node(id: string): ProjectNode | undefined {
    return this.project.nodes.get(id);
  }

  /** Versioned models by name, then version. */
  readonly versions = new Map<string, Map<string, ProjectNode>>();
  /**
   * dbt's ref lookup: name (or `name.v<version>`) → package → node; a versioned name maps to its
   * latest version. Read-only per name (replaced, never changed: incremental versions share them).
   */
  readonly refLookup = new Map<string, ReadonlyMap<string, ProjectNode>>();
  /** dbt's source lookup: `source.table` → package → source node (read-only per name, as refLookup). */
  readonly sourceLookup = new Map<string, ReadonlyMap<string, ProjectNode>>();

  /**
   * dbt's resolve_ref: a package-qualified ref looks only in that package; otherwise the root
   * project first, then (for a package's node) its own package, then any package; a name found
   * in two packages that way is ambiguous (undefined, see `refCandidates`).
   */
  resolveRef(name: string, packageName?: string, version?: string, fromPackage?: string): ProjectNode | undefined {
    // refCandidates' search without its lists: this runs for every ref of every node.
    const byPackage = this.refLookup.get(version === undefined || version === '' ? name : `${name}.v${version}`);
    if (!byPackage) return undefined;
    // One package defines the name (nearly always): the search below would find its node.
    if (byPackage instanceof OnePackage) return packageName === undefined || packageName === byPackage.packageName ? byPackage.node : undefined;
    if (packageName !== undefined) return byPackage.get(packageName);
    const root = this.project.config.name;
    const inRoot = byPackage.get(root);
    if (inRoot) return inRoot;
    if (fromPackage !== undefined && fromPackage !== root) {
      const own = byPackage.get(fromPackage);
      if (own) return own;
    }
    return byPackage.size === 1 ? byPackage.values().next().value : undefined;
  }

  /** What resolveRef finds: none, one, or (ambiguous) several nodes. */
  refCandidates(name: string, packageName?: string, version?: string, fromPackage?: string): ProjectNode[] {
    const key = version === undefined || version === '' ? name : `${name}.v${version}`;
    const byPackage = this.refLookup.get(key);
    if (!byPackage) return [];
    for (const pkg of this.packagesToSearch(packageName, fromPackage)) {
      if (pkg !== undefined) {
        const node = byPackage.get(pkg);
        if (node) return [node];
      } else if (byPackage.size > 0) {
        return [...byPackage.values()];
      }
    }
    return [];
  }

  resolveSource(source: string, table: string, fromPackage?: string): ProjectNode | undefined {
    const byPackage = this.sourceLookup.get(`${source}.${table}`);
    if (!byPackage) return undefined;
    if (byPackage instanceof OnePackage) return byPackage.node;
    // packagesToSearch's order without its list: the root project, the node's package, then any.
    const root = this.project.config.name;
    const inRoot = byPackage.get(root);
    if (inRoot) return inRoot;
    if (fromPackage !== undefined && fromPackage !== root) {
      const own = byPackage.get(fromPackage);
      if (own) return own;
    }
    return byPackage.values().next().value;
  }

  /** dbt's _packages_to_search (with require_ref_searches_node_package_before_root off, its default). */
  private packagesToSearch(target: string | undefined, fromPackage: string | undefined): Array<string | undefined> {
    if (target !== undefined) return [target];
    const root = this.project.config.name;
    if (fromPackage === undefined || fromPackage === root) return [root, undefined];
    return [root, fromPackage, undefined];
  }

  /** Ancestors with their distance (1 = direct parent), up to `maxDepth`. */
  upstream(id: string, maxDepth = Infinity): Map<string, number> {
    return this.walk(id, this.parents, maxDepth);
  }

  /** Descendants with their distance (1 = direct child), up to `maxDepth`. */
  downstream(id: string, maxDepth = Infinity): Map<string, number> {
    return this.walk(id, this.children, maxDepth);
  }

  private walk(id: string, edges: { get(id: string): string[] | undefined }, maxDepth: number): Map<string, number> {
    const seen = new Map<string, number>();
    let frontier = [id];
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const current of frontier) {
        for (const other of edges.get(current) ?? []) {
          if (other === id || seen.has(other)) continue;
          seen.set(other, depth);
          next.push(other);
        }
      }
      frontier = next;
    }
    return seen;
  }

  /** Unique ids in dependency order (parents first); members of a cycle come in id order at the end. */
  topologicalOrder(ids?: Iterable<string>): string[] {
    const wanted = new Set(ids ?? this.project.nodes.keys());
    const inDegree = new Map<string, number>();
    for (const id of wanted) inDegree.set(id, (this.parents.get(id) ?? []).filter((p) => wanted.has(p)).length);
    const ready = [...wanted].filter((id) => inDegree.get(id) === 0).sort();
    const order: string[] = [];
    while (ready.length > 0) {
      const id = ready.shift()!;
      order.push(id);
      for (const child of this.children.get(id) ?? []) {
        if (!wanted.has(child)) continue;
        const d = inDegree.get(child)! - 1;
        inDegree.set(child, d);
        if (d === 0) ready.push(child);
      }
    }
    if (order.length < wanted.size) {
      const placed = new Set(order);
      order.push(...[...wanted].filter((id) => !placed.has(id)).sort());
    }
    return order;
  }
}

/**
 * Resolves every node's refs and sources, assigns layers, finds cycles and layer-rule violations.
 * `layers` (an editor's setting) wins over the project's `vars`, which win over the medallion defaults.
 */
export function buildGraph(project: Project, configured?: LayerOptions): { graph: ProjectGraph; diagnostics: Diagnostic[] } {
  const explicit = configured ?? layerOptionsFromVars(project);
  const layers = explicit ?? DEFAULT_LAYER_OPTIONS;
  const graph = new ProjectGraph(project, layers);
  const diagnostics: Diagnostic[] = [];
  /** Models and snapshots, the nodes layer rules apply to (in a big project, a quarter of all). */
  const layered: ProjectNode[] = [];
  const addRef = (key: string, node: ProjectNode): void => {
    const byPackage = graph.refLookup.get(key);
    if (!byPackage) graph.refLookup.set(key, new OnePackage(node.packageName, node));
    else if (!byPackage.has(node.packageName)) graph.refLookup.set(key, new Map(byPackage).set(node.packageName, node));
  };
  let anyLayer = false;
  for (const node of project.nodes.values()) {
    node.layer = layerOf(node, layers);
    if (node.resourceType === 'model' || node.resourceType === 'snapshot') {
      layered.push(node);
      if (node.layer !== undefined) anyLayer = true;
    }
    if (node.version !== undefined) {
      const byVersion = graph.versions.get(node.name) ?? new Map<string, ProjectNode>();
      byVersion.set(node.version, node);
      graph.versions.set(node.name, byVersion);
      if (!graph.refTargets.has(node.name) || node.version === node.latestVersion) graph.refTargets.set(node.name, node);
      addRef(`${node.name}.v${node.version}`, node);
      if (node.version === (node.latestVersion ?? node.version)) addRef(node.name, node);
    } else if (node.resourceType === 'model' || node.resourceType === 'seed' || node.resourceType === 'snapshot') {
      if (!graph.refTargets.has(node.name)) graph.refTargets.set(node.name, node);
      addRef(node.name, node);
    } else if (node.resourceType === 'source') {
      const key = `${node.source!.sourceName}.${node.name}`;
      if (!graph.sourceTables.has(key)) graph.sourceTables.set(key, node);
      const byPackage = graph.sourceLookup.get(key);
      // The last definition of a package wins, where it was.
      if (!byPackage || (byPackage instanceof OnePackage && byPackage.packageName === node.packageName)) graph.sourceLookup.set(key, new OnePackage(node.packageName, node));
      else graph.sourceLookup.set(key, new Map(byPackage).set(node.packageName, node));
    }
  }

  // Only a problem needs the list (for "did you mean"); built once, on first need.
  const refNames = (): NameIndex => graph.refNames();
  graph.layered = explicit !== undefined || anyLayer;
  // Layer rules read the parents each ref and source resolved to: checked as they resolve (one
  // lookup per ref, not two), reported after the cycles as before.
  const layerDiagnostics: Diagnostic[] = [];
  /** Nodes with refs or sources, in node order: the cycle peel reads their parents without a lookup. */
  const withParents: ProjectNode[] = [];
  let lastAttached: string | undefined;
  let lastChildren: string[] | undefined;
  /** The run's parent list, `[attached]`: one frozen list shared by the tests of one node, not one per test. */
  let lastParents: string[] = NO_PARENTS;
  for (const node of project.nodes.values()) {
    if (node.refs.length === 0 && node.sources.length === 0) {
      // Most nodes of a big project are generic tests: their only parent is what they test.
      // A model's tests come one after another: its lookups are done once for the run of them.
      const attached = node.test?.attachedTo;
      if (attached === undefined || attached === '') {
        node.dependsOn = NO_PARENTS;
        continue;
      }
      if (attached !== lastAttached) {
        lastAttached = attached;
        lastChildren = undefined;
        lastParents = NO_PARENTS;
        if (project.nodes.has(attached)) {
          lastChildren = graph.children.get(attached);
          if (!lastChildren) graph.children.set(attached, (lastChildren = []));
          lastParents = Object.freeze([attached]) as string[];
        }
      }
      node.dependsOn = lastParents;
      if (lastChildren) lastChildren.push(node.uniqueId);
      continue;
    }
    const checkLayers = graph.layered && (node.resourceType === 'model' || node.resourceType === 'snapshot') ? layerCheck(graph, node, layerDiagnostics) : undefined;
    node.dependsOn = resolveDependencies(graph, node, refNames, diagnostics, checkLayers);
    withParents.push(node);
    for (const parent of node.dependsOn) {
      const list = graph.children.get(parent);
      if (list) list.push(node.uniqueId);
      else graph.children.set(parent, [node.uniqueId]);
    }
  }
  // Pushed lists keep room for 16 more entries each; the graph keeps tens of thousands of short
  // ones (a model's tests and children) for the project's life: each becomes a list of its size.
  for (const [id, list] of graph.children) if (list.length < 64) graph.children.set(id, list.slice());
  findCycles(graph, withParents, diagnostics);
  if (graph.layered) {
    graph.layerNames = layersInUse(graph, layered);
    for (const d of layerDiagnostics) diagnostics.push(d);
  } else {
    // No layers in this project: sources and seeds get none either (no vocabulary it does not use).
    for (const node of project.nodes.values()) node.layer = undefined;
  }
  return { graph, diagnostics };
}

/** The parents of a test whose node is not in the graph: none (shared and frozen, as every test's `[attached]`). */
const NO_PARENTS = Object.freeze([]) as unknown as string[];

/** The configured layer names, then names only `meta.layer` gives, by their nodes' mean depth in the graph. */
function layersInUse(graph: ProjectGraph, layered: ProjectNode[]): string[] {
  const known = new Set(graph.layers.names);
  const extra = new Set<string>();
  for (const node of layered) if (node.layer !== undefined && !known.has(node.layer)) extra.add(node.layer);
  if (extra.size === 0) return [...graph.layers.names];
  const position = new Map(graph.topologicalOrder().map((id, i) => [id, i]));
  const mean = new Map<string, number>();
  for (const name of extra) {
    const at = layered.filter((n) => n.layer === name).map((n) => position.get(n.uniqueId) ?? 0);
    mean.set(name, at.reduce((a, b) => a + b, 0) / at.length);
  }
  return [...graph.layers.names, ...[...extra].sort((a, b) => mean.get(a)! - mean.get(b)! || compareRoot(a, b))];
}

/** A node's parents from its refs, sources and (for tests) what it tests; problems go to `out`. */
export function resolveDependencies(graph: ProjectGraph, node: ProjectNode, refNames: () => NameIndex, out: Diagnostic[], resolved?: (parent: ProjectNode, span: Span | undefined) => void): string[] {
  // Each parent once, in first-seen order: most nodes have a few, so a list without a Set and its
  // copy; a Set only once the list is long (a union over thousands of models).
  const deps: string[] = [];
  let seen: Set<string> | undefined;
  const add = (id: string): void => {
    if (seen ? seen.has(id) : deps.includes(id)) return;
    deps.push(id);
    if (seen) seen.add(id);
    else if (deps.length > 16) seen = new Set(deps);
  };
  for (const ref of node.refs) {
    const target = resolveRefOrReport(graph, node, ref, refNames, out);
    if (!target) continue;
    resolved?.(target, ref.span);
    add(target.uniqueId);
  }
  for (const call of node.sources) {
    const target = resolveSourceOrReport(graph, node, call, out);
    if (!target) continue;
    resolved?.(target, call.tableSpan);
    add(target.uniqueId);
  }
  const attached = node.test?.attachedTo;
  if (attached && graph.project.nodes.has(attached)) add(attached);
  // A list of the exact size: the pushed one has room for 16 more, kept by every node.
  return deps.length === 0 ? [] : deps.slice();
}

function resolveRefOrReport(graph: ProjectGraph, node: ProjectNode, ref: RefCall, refNames: () => NameIndex, out: Diagnostic[]): ProjectNode | undefined {
  const resolved = graph.resolveRef(ref.name, ref.packageName, ref.version, node.packageName);
  if (resolved) return resolved;
  const found = graph.refCandidates(ref.name, ref.packageName, ref.version, node.packageName);
  if (found.length > 1) {
    out.push({
      code: 'unknown-ref',
      severity: 'error',
      file: node.file,
      span: ref.span,
      message: `'${node.name}' refers to '${ref.name}', which is defined in several packages (${found.map((n) => n.packageName).join(', ')}); name the package: ref('${found[0]!.packageName}', '${ref.name}')`,
    });
    return undefined;
  }
  const disabled = graph.project.disabled.get(ref.name)?.find((n) => n.resourceType !== 'test' && n.resourceType !== 'source' && (ref.packageName === undefined || n.packageName === ref.packageName));
  if (disabled) {
    out.push({
      code: 'disabled-ref',
      // A data test is kept, disabled with what it tests (loader/nodes.ts settleTestsOfDisabled), and
      // dbt says so only at debug level (InvalidDisabledTargetInTestNode, should_warn_if_disabled=False):
      // information, not a warning (tuva disables whole areas by vars, and their tests with them).
      severity: node.resourceType === 'test' ? 'info' : 'error',
      file: node.file,
      span: ref.span,
      message: `'${node.name}' depends on '${ref.name}', which is disabled (enabled: false in ${disabled.file})`,
    });
    return undefined;
  }
  const suggestions = suggest(ref.name, refNames());
  out.push({
    code: 'unknown-ref',
    severity: 'error',
    file: node.file,
    span: ref.span,
    message: ref.packageName
      ? `'${node.name}' refers to '${ref.name}' in package '${ref.packageName}', which has no such model, seed or snapshot${graph.project.packages.has(ref.packageName) || ref.packageName === graph.project.config.name ? '' : ` (no package '${ref.packageName}' is installed)`}`
      : `'${node.name}' refers to '${ref.name}'${ref.version !== undefined ? ` version ${ref.version}` : ''}, which is not a model, seed or snapshot in this project${suggestions.length ? ` (did you mean '${suggestions[0]}'?)` : ''}`,
    suggestions,
  });
  return undefined;
}

function resolveSourceOrReport(graph: ProjectGraph, node: ProjectNode, call: SourceCall, out: Diagnostic[]): ProjectNode | undefined {
  const target = graph.resolveSource(call.source, call.table, node.packageName);
  if (target) return target;
  const tables = [...graph.sourceTables.values()];
  const sourceNames = [...new Set(tables.map((t) => t.source!.sourceName))];
  if (!sourceNames.includes(call.source)) {
    const suggestions = suggest(call.source, sourceNames);
    out.push({
      code: 'unknown-source',
      severity: 'error',
      file: node.file,
      span: call.sourceSpan,
      message: `Source '${call.source}' is not declared in any yml file${suggestions.length ? ` (did you mean '${suggestions[0]}'?)` : ''}`,
      suggestions,
    });
    return undefined;
  }
  const tableNames = tables.filter((t) => t.source!.sourceName === call.source).map((t) => t.name);
  const suggestions = suggest(call.table, tableNames);
  out.push({
    code: 'unknown-source',
    severity: 'error',
    file: node.file,
    span: call.tableSpan,
    message: `Source '${call.source}' has no table '${call.table}'${suggestions.length ? ` (did you mean '${suggestions[0]}'?)` : ''}`,
    suggestions,
  });
  return undefined;
}

/**
 * Layer: `meta.layer` (or the older `layer` config), then a tag naming a layer, then (sources)
 * the source layer, then a folder naming one; seeds are `seed`.
 */
export function layerOf(node: ProjectNode, layers: LayerOptions): string | undefined {
  const explicit = node.config.meta?.layer ?? node.config.layer;
  if (typeof explicit === 'string' && explicit) return explicit;
  for (const tag of node.config.tags) if (layers.names.includes(tag)) return tag;
  // Tests belong to what they test; exposures read the project from outside it.
  if (node.resourceType === 'test' || node.resourceType === 'unit_test' || node.resourceType === 'exposure') return undefined;
  if (node.resourceType === 'source' && layers.sourceLayer) return layers.sourceLayer;
  // The folders: the fqn without its package and name.
  const fqn = node.fqn;
  for (let i = fqn.length - 2; i >= 1; i--) if (layers.names.includes(fqn[i]!)) return fqn[i];
  if (node.resourceType === 'seed') return 'seed';
  return undefined;
}

/**
 * Nodes that may sit on a cycle: what remains after repeatedly peeling nodes with no remaining
 * parents. A node without children cannot be on a cycle (tests, leaves), so only parents are
 * candidates; they get integer slots and their edges become index arrays, so the peel touches no
 * string-keyed map (at 100k models these lookups, not the work, were the cost).
 */
function cycleCandidates(graph: ProjectGraph, withParents: ProjectNode[]): string[] {
  const ids = [...graph.children.keys()];
  const slot = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) slot.set(ids[i]!, i);
  // Edges among candidates, read from the parent side (a candidate's parents are few; its
  // children are mostly tests): `from[e] → to[e]`, then grouped by `from` (CSR). The nodes
  // buildGraph resolved give their parents directly; any other candidate is looked up.
  const remaining = new Int32Array(ids.length);
  const covered = new Uint8Array(ids.length);
  const from: number[] = [];
  const to: number[] = [];
  const addEdges = (i: number, parents: readonly string[]): void => {
    for (const p of parents) {
      const j = slot.get(p);
      if (j === undefined) continue;
      remaining[i]!++;
      from.push(j);
      to.push(i);
    }
  };
  for (const node of withParents) {
    const i = slot.get(node.uniqueId);
    if (i === undefined) continue;
    covered[i] = 1;
    addEdges(i, node.dependsOn);
  }
  for (let i = 0; i < ids.length; i++) if (covered[i] === 0) addEdges(i, graph.parents.get(ids[i]!) ?? []);
  const start = new Int32Array(ids.length + 1);
  for (const j of from) start[j + 1]!++;
  for (let i = 0; i < ids.length; i++) start[i + 1]! += start[i]!;
  const edges = new Int32Array(from.length);
  const fill = start.slice(0, ids.length);
  for (let e = 0; e < from.length; e++) edges[fill[from[e]!]!++] = to[e]!;
  const ready: number[] = [];
  for (let i = 0; i < ids.length; i++) if (remaining[i] === 0) ready.push(i);
  let peeled = 0;
  while (ready.length > 0) {
    const i = ready.pop()!;
    peeled++;
    for (let e = start[i]!; e < start[i + 1]!; e++) if (--remaining[edges[e]!]! === 0) ready.push(edges[e]!);
  }
  if (peeled === ids.length) return [];
  // What is left, in node order: the order Tarjan starts from and cycles are reported in.
  const left: string[] = [];
  for (const id of graph.project.nodes.keys()) {
    const i = slot.get(id);
    if (i !== undefined && remaining[i]! > 0) left.push(id);
  }
  return left;
}

function findCycles(graph: ProjectGraph, withParents: ProjectNode[], out: Diagnostic[]): void {
  // Peeling first makes the common acyclic case linear and cheap; Tarjan runs on what is left.
  const candidates = cycleCandidates(graph, withParents);
  if (candidates.length === 0) return;
  for (const component of stronglyConnected(graph, candidates, () => true)) reportCycle(graph, component, out);
}

/**
 * Cyclic strongly connected components (more than one member, or one that refs itself) among
 * `starts` and what they reach through children inside `inside`. Tarjan's algorithm, iterative so
 * deep graphs cannot overflow the stack.
 */
function stronglyConnected(graph: ProjectGraph, starts: Iterable<string>, inside: (id: string) => boolean): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const start of starts) {
    if (indices.has(start)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    indices.set(start, index);
    lowlink.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const kids = graph.children.get(frame.id) ?? [];
      if (frame.next < kids.length) {
        const child = kids[frame.next++]!;
        if (!inside(child)) continue;
        if (!indices.has(child)) {
          indices.set(child, index);
          lowlink.set(child, index++);
          stack.push(child);
          onStack.add(child);
          work.push({ id: child, next: 0 });
        } else if (onStack.has(child)) {
          lowlink.set(frame.id, Math.min(lowlink.get(frame.id)!, indices.get(child)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.id;
        lowlink.set(parent, Math.min(lowlink.get(parent)!, lowlink.get(frame.id)!));
      }
      if (lowlink.get(frame.id) === indices.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        const selfLoop = component.length === 1 && (graph.parents.get(member) ?? []).includes(member);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components;
}

/** Records one cyclic component: its path in `graph.cycles` and a diagnostic on every edge of it. */
function reportCycle(graph: ProjectGraph, component: string[], out: Diagnostic[]): CyclicComponent {
  const path = cyclePath(graph, component);
  graph.cycles.push(path);
  const names = path.map((id) => graph.node(id)!.name);
  const text = [...names, names[0]].join(' → ');
  const diagnostics: Diagnostic[] = [];
  // Report on every edge of the cycle: the ref in each member that points at the previous member.
  for (let i = 0; i < path.length; i++) {
    const parent = graph.node(path[i]!)!;
    const child = graph.node(path[(i + 1) % path.length]!)!;
    const ref = child.refs.find((r) => r.name === parent.name) ?? child.sources.find((s) => `source.${child.packageName}.${s.source}.${s.table}` === parent.uniqueId);
    diagnostics.push({
      code: 'cycle',
      severity: 'error',
      file: child.file,
      ...(ref ? { span: 'span' in ref ? ref.span : ref.tableSpan } : {}),
      message: `Dependency cycle: ${text}`,
      related: path.filter((id) => id !== child.uniqueId).map((id) => ({ file: graph.node(id)!.file, message: `${graph.node(id)!.name} is part of the cycle` })),
    });
  }
  out.push(...diagnostics);
  const cyclic: CyclicComponent = { members: component, path, diagnostics };
  for (const id of component) graph.cyclic.set(id, cyclic);
  return cyclic;
}

/**
 * After the parents of one node changed (or its text moved the spans of its refs), the cycles
 * that can differ are exactly those through that node, before or after: only its incoming edges
 * changed, so every other component is one of the graph without it and stays as it was. Tarjan
 * runs on the node's old component and its new one (what it both reaches and is reached by);
 * the components found there replace the ones that were. Returns the diagnostics to drop and add.
 */
export function recomputeCyclesThrough(graph: ProjectGraph, id: string): { removed: Diagnostic[]; added: Diagnostic[] } {
  const region = new Set<string>([id]);
  const before = graph.cyclic.get(id);
  if (before) for (const m of before.members) region.add(m);
  const below = graph.downstream(id);
  for (const [ancestor] of graph.upstream(id)) if (below.has(ancestor)) region.add(ancestor);
  const replaced = new Set<CyclicComponent>();
  for (const m of region) {
    const c = graph.cyclic.get(m);
    if (c) replaced.add(c);
  }
  const removed: Diagnostic[] = [];
  for (const c of replaced) {
    for (const m of c.members) graph.cyclic.delete(m);
    const at = graph.cycles.indexOf(c.path);
    if (at !== -1) graph.cycles.splice(at, 1);
    removed.push(...c.diagnostics);
  }
  const added: Diagnostic[] = [];
  for (const component of stronglyConnected(graph, region, (m) => region.has(m))) reportCycle(graph, component, added);
  return { removed, added };
}

/** One simple cycle through the component, starting at its first member in id order, parents first. */
function cyclePath(graph: ProjectGraph, component: string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  // BFS along child edges inside the component back to start.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    // Children in id order: the path must not depend on the order edges were added (an
    // incremental edit appends, a full load follows file order).
    for (const child of (graph.children.get(id) ?? []).filter((c) => members.has(c)).sort()) {
      if (child === start) {
        const path = [id];
        let at = id;
        while (at !== start) {
          at = previous.get(at)!;
          path.push(at);
        }
        return path.reverse();
      }
      if (!previous.has(child)) {
        previous.set(child, id);
        queue.push(child);
      }
    }
  }
  return [start];
}

/**
 * Why a `layer` node may not read a `parentLayer` node under the layer rules, or undefined when it
 * may (layers outside the rules' names, or no layers at all, are never a problem).
 */
export function layerProblem(graph: ProjectGraph, layer: string | undefined, parentLayer: string | undefined): string | undefined {
  const order = graph.layers.names;
  if (!graph.layered || !layer || !parentLayer || !order.includes(layer)) return undefined;
  const allowed = graph.layers.allowedParents[layer];
  if (order.includes(parentLayer) && order.indexOf(parentLayer) > order.indexOf(layer)) return `${parentLayer} is downstream of ${layer}`;
  if (allowed && !allowed.includes(parentLayer)) return `${layer} may read only ${allowed.join(', ')}`;
  return undefined;
}

/**
 * How well a `parentLayer` node fits as a parent of a `layer` node, for ranking completions: 0 is
 * best (the first allowed parent layer, or the nearest layer upstream), larger is worse, and
 * anything the rules forbid comes after everything they allow.
 */
export function layerFit(graph: ProjectGraph, layer: string | undefined, parentLayer: string | undefined): number {
  if (!graph.layered || !layer || !graph.layers.names.includes(layer)) return 0;
  if (layerProblem(graph, layer, parentLayer)) return 100;
  const allowed = graph.layers.allowedParents[layer];
  if (allowed && parentLayer) return allowed.indexOf(parentLayer);
  const order = graph.layers.names;
  if (parentLayer && order.includes(parentLayer)) return order.indexOf(layer) - order.indexOf(parentLayer) === 1 ? 0 : 1 + Math.abs(order.indexOf(layer) - order.indexOf(parentLayer));
  return 50;
}

/** Checks one read of `node` (a resolved parent, the span of the ref or source) against the layer rules. */
function layerCheck(graph: ProjectGraph, node: ProjectNode, out: Diagnostic[]): (parent: ProjectNode, span: Span | undefined) => void {
  const layer = node.layer;
  return (parent, span) => {
    const why = layerProblem(graph, layer, parent.layer);
    if (why) out.push({ code: 'layer-violation', severity: 'warning', file: node.file, ...(span ? { span } : {}), message: `${layer} model '${node.name}' reads ${parent.layer} '${parent.name}'${why.startsWith(`${parent.layer} is`) ? `, which is downstream of ${layer}` : `; ${why}`}` });
  };
}

/** The medallion layer rules for one node's reads. */
export function checkNodeLayers(graph: ProjectGraph, node: ProjectNode, out: Diagnostic[]): void {
  if (node.resourceType !== 'model' && node.resourceType !== 'snapshot') return;
  const check = layerCheck(graph, node, out);
  for (const ref of node.refs) {
    const parent = graph.resolveRef(ref.name, ref.packageName, ref.version, node.packageName);
    if (parent) check(parent, ref.span);
  }
  for (const call of node.sources) {
    const parent = graph.resolveSource(call.source, call.table, node.packageName);
    if (parent) check(parent, call.tableSpan);
  }
}
