/**
 * Lineage around one node, as an editor draws it: the node's ancestors and descendants up to a
 * depth in one or both directions, each with what a lineage view shows and filters by (layer or
 * folder, resource type, yml columns, attached data tests, how many parents and children it has in
 * the whole project, so a view can offer to expand further), plus the edges among them. Exposures
 * (yml `exposures:` with `depends_on`) are lineage leaves. Tests are not nodes here: they are
 * listed on the node they test. Pure: a function of the analysis.
 */
import type { Analysis } from './analysis';
import type { ProjectNode, Project } from './model';
import type { Span } from './text';

export type LineageDirection = 'up' | 'down' | 'both';

export interface LineageQuery {
  /** Levels in each direction (Infinity: all). */
  depth?: number;
  direction?: LineageDirection;
}

export interface LineageColumn {
  name: string;
  description?: string;
  /** The yml `data_type`, when declared. */
  type?: string;
}

export interface LineageTest {
  id: string;
  name: string;
  column?: string;
}

export interface LineageEntry {
  id: string;
  /** `source.table` for sources, else the node's name. */
  name: string;
  resourceType: string;
  layer: string | null;
  materialized: string;
  /** Defining file, relative to the project root (sources and exposures: their yml). */
  file: string;
  /** Where in `file` the node is named (yml entries), when not the whole file. */
  span?: Span;
  /** Negative upstream, positive downstream, 0 the focus. */
  depth: number;
  /** The file's folder relative to the project root, e.g. `models/staging/stripe`. */
  folder: string;
  /** What the view colours and groups by: the layer when the project has layers, else the first folder under the resource path. */
  group: string;
  description?: string;
  tags: string[];
  packageName: string;
  /** Lineage parents and children in the whole project (tests left out). */
  parents: number;
  children: number;
  columns: LineageColumn[];
  tests: LineageTest[];
}

export interface Lineage {
  focus: string;
  nodes: LineageEntry[];
  edges: Array<{ from: string; to: string }>;
  /** Whether the project has layers (configured, or bronze/silver/gold folders); else groups are folders. */
  layered: boolean;
}

/** An exposure: a lineage leaf read from yml, with its resolved parents. */
export interface Exposure {
  id: string;
  name: string;
  type: string;
  file: string;
  span: Span;
  description?: string;
  dependsOn: string[];
}

const LINEAGE_TYPES = new Set(['model', 'seed', 'snapshot', 'source']);

/** A node a lineage view draws: project resources and exposures; never tests, unit tests or hooks. */
function drawn(analysis: Analysis, id: string): boolean {
  const node = analysis.project.nodes.get(id);
  return node !== undefined && (LINEAGE_TYPES.has(node.resourceType) || exposuresOf(analysis).byId.has(id));
}

interface Exposures {
  byId: Map<string, Exposure>;
}

const exposureCache = new WeakMap<Project, Exposures>();

/** The project's exposures (the loader's `exposure` nodes), indexed once per loaded project. */
export function exposuresOf(analysis: Analysis): Exposures {
  const cached = exposureCache.get(analysis.project);
  if (cached) return cached;
  const found: Exposures = { byId: new Map() };
  for (const node of analysis.project.nodes.values()) {
    if (node.resourceType !== 'exposure' || node.packageName !== analysis.project.config.name) continue;
    const id = node.uniqueId;
    found.byId.set(id, { id, name: node.name, type: node.exposure?.type ?? 'exposure', file: node.file, span: node.yml?.span ?? { start: 0, end: 0 }, ...(node.description ? { description: node.description } : {}), dependsOn: node.dependsOn });
  }
  exposureCache.set(analysis.project, found);
  return found;
}

/** Lineage parents of a node (exposures' included), tests and hooks left out. */
export function lineageParents(analysis: Analysis, id: string): string[] {
  const exposure = exposuresOf(analysis).byId.get(id);
  if (exposure) return exposure.dependsOn;
  return (analysis.project.nodes.get(id)?.dependsOn ?? []).filter((p) => drawn(analysis, p));
}

/** Lineage children of a node: models, snapshots and exposures reading it. */
export function lineageChildren(analysis: Analysis, id: string): string[] {
  // Exposures are graph nodes: among the children already.
  return (analysis.graph.children.get(id) ?? []).filter((c) => drawn(analysis, c));
}

/** A node's id from a name as a user types it (`model`, `source.table`, or a unique id). */
export function findLineageNode(analysis: Analysis, query: string): string | undefined {
  if (drawn(analysis, query)) return query;
  const byName = analysis.graph.refTargets.get(query) ?? analysis.graph.sourceTables.get(query);
  return byName?.uniqueId;
}

/**
 * The lineage of `focus` (a node's unique id): undefined when there is no such node to draw.
 * Breadth first, so each node's depth is its shortest distance from the focus.
 */
export function lineageAround(analysis: Analysis, focus: string, query: LineageQuery = {}): Lineage | undefined {
  if (!drawn(analysis, focus)) return undefined;
  const depth = query.depth ?? Infinity;
  const direction = query.direction ?? 'both';
  const depths = new Map<string, number>([[focus, 0]]);
  const walk = (next: (id: string) => string[], sign: number): void => {
    let frontier = [focus];
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const following: string[] = [];
      for (const id of frontier) {
        for (const other of next(id)) {
          if (depths.has(other)) continue;
          depths.set(other, sign * d);
          following.push(other);
        }
      }
      frontier = following;
    }
  };
  if (direction !== 'down') walk((id) => lineageParents(analysis, id), -1);
  if (direction !== 'up') walk((id) => lineageChildren(analysis, id), 1);
  const testsOf = attachedTests(analysis);
  const layered = analysis.graph.layered;
  const nodes = [...depths].map(([id, d]) => entryOf(analysis, id, d, layered, testsOf));
  const edges: Lineage['edges'] = [];
  for (const id of depths.keys()) for (const parent of lineageParents(analysis, id)) if (depths.has(parent)) edges.push({ from: parent, to: id });
  return { focus, nodes, edges, layered };
}

const testCache = new WeakMap<Project, Map<string, LineageTest[]>>();

/** Data tests by the node they test, once per loaded project. */
function attachedTests(analysis: Analysis): Map<string, LineageTest[]> {
  const cached = testCache.get(analysis.project);
  if (cached) return cached;
  const byNode = new Map<string, LineageTest[]>();
  for (const node of analysis.project.nodes.values()) {
    const on = node.test?.attachedTo;
    if (node.resourceType !== 'test' || !on) continue;
    const list = byNode.get(on) ?? [];
    list.push({ id: node.uniqueId, name: node.name, ...(node.test!.columnName ? { column: node.test!.columnName } : {}) });
    byNode.set(on, list);
  }
  testCache.set(analysis.project, byNode);
  return byNode;
}

/** The folder of a node's file, and its first folder under the resource path it lives in. */
export function folderOf(project: Project, file: string): { folder: string; group: string } {
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  const c = project.config;
  for (const base of [...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.testPaths, ...c.analysisPaths, c.packagesInstallPath]) {
    const prefix = base.replace(/\/+$/, '');
    if (folder === prefix) return { folder, group: prefix };
    if (folder.startsWith(`${prefix}/`)) return { folder, group: folder.slice(prefix.length + 1).split('/')[0]! };
  }
  return { folder, group: folder.split('/')[0]! };
}

function entryOf(analysis: Analysis, id: string, depth: number, layered: boolean, testsOf: Map<string, LineageTest[]>): LineageEntry {
  const parents = lineageParents(analysis, id).length;
  const children = lineageChildren(analysis, id).length;
  const exposure = exposuresOf(analysis).byId.get(id);
  if (exposure) {
    const { folder, group } = folderOf(analysis.project, exposure.file);
    return {
      id,
      name: exposure.name,
      resourceType: 'exposure',
      layer: null,
      materialized: exposure.type,
      file: exposure.file,
      span: exposure.span,
      depth,
      folder,
      group: layered ? 'exposure' : group,
      ...(exposure.description ? { description: exposure.description } : {}),
      tags: [],
      packageName: analysis.project.config.name,
      parents,
      children,
      columns: [],
      tests: [],
    };
  }
  const node = analysis.project.nodes.get(id)!;
  const { folder, group } = folderOf(analysis.project, node.file);
  const span = node.resourceType === 'source' ? node.nameSpan : node.resourceType === 'snapshot' && node.nameSpan ? node.nameSpan : undefined;
  return {
    id,
    name: displayName(node),
    resourceType: node.resourceType,
    layer: node.layer ?? null,
    materialized: node.config.materialized,
    file: node.file,
    ...(span ? { span } : {}),
    depth,
    folder,
    group: layered ? (node.layer ?? 'other') : group,
    ...(node.description ? { description: node.description } : {}),
    tags: node.config.tags,
    packageName: node.packageName,
    parents,
    children,
    columns: columnsOf(node),
    tests: testsOf.get(id) ?? [],
  };
}

function displayName(node: ProjectNode): string {
  return node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name;
}

/** The yml columns of a node (seeds without yml: their CSV header). */
function columnsOf(node: ProjectNode): LineageColumn[] {
  if (node.columns.length > 0) return node.columns.map((c) => ({ name: c.name, ...(c.description ? { description: c.description } : {}), ...(c.dataType ? { type: c.dataType } : {}) }));
  return (node.seedColumns ?? []).map((name) => ({ name }));
}
