/**
 * `medallion/lineage`: the core's lineage (core/lineage.ts) at the LSP edge — locations become
 * URIs and lines, relations are named for the default target, and with `columns: true` each
 * model's compiled SQL is traced to its parents' columns. That tracing reads SQL with
 * node-sql-parser: best effort, so its edges are marked not exact (an engine-bound column model
 * can answer the same request with `exact: true`).
 */
import { joinPath } from '../core/host';
import type { Analysis } from '../core/analysis';
import { nodesInFile } from '../core/ide';
import { lineageAround, type LineageDirection } from '../core/lineage';
import type { Compiler } from '../core/compiler';
import { pathToUri, type Lines } from './convert';
import type { LineageColumnEdge, LineageColumnInfo, LineageNode, LineageParams, LineageResult } from './protocol';

/** Above this many nodes relations are named only on request (one node at a time): naming renders macros. */
const RELATIONS_UP_TO = 300;
/** Column tracing compiles every model it reads: beyond this many, only the nodes the client names. */
const COLUMN_NODES_UP_TO = 400;

export interface LineageContext {
  analysis: Analysis;
  root: string;
  lines: Lines;
  /** The document's file relative to the root, when the request names a document. */
  file?: string;
  /** The default target's compiler; undefined in an untrusted workspace (nothing is rendered). */
  compiler?: () => Compiler;
  /**
   * Columns and column edges among these nodes from the column model (types, and `exact` where the
   * target engine bound and traced them); undefined until it is computed: then the SQL is read here.
   */
  modelledColumns?: (ids: Set<string>) => { edges: LineageColumnEdge[]; columns: Map<string, LineageColumnInfo[]> } | undefined;
}

export const EMPTY_LINEAGE: LineageResult = { focus: null, nodes: [], edges: [] };

export function lineageRequest(ctx: LineageContext, params: LineageParams): LineageResult {
  const { analysis } = ctx;
  const focus = params.nodeId ?? (ctx.file ? nodesInFile(analysis, ctx.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test')?.uniqueId : undefined);
  if (!focus) return EMPTY_LINEAGE;
  const direction: LineageDirection = params.direction ?? 'both';
  const lineage = lineageAround(analysis, focus, { depth: params.depth ?? Infinity, direction });
  if (!lineage) return EMPTY_LINEAGE;
  const compiler = ctx.compiler?.();
  const nameRelations = compiler !== undefined && lineage.nodes.length <= RELATIONS_UP_TO;
  const nodes: LineageNode[] = lineage.nodes.map((n) => {
    const path = joinPath(ctx.root, n.file);
    const node = analysis.project.nodes.get(n.id);
    const relation = nameRelations && node && node.config.materialized !== 'ephemeral' ? relationOf(compiler, node) : undefined;
    return {
      id: n.id,
      name: n.name,
      resourceType: n.resourceType,
      layer: n.layer,
      materialized: n.materialized,
      file: n.file,
      depth: n.depth,
      uri: pathToUri(path),
      line: n.span ? ctx.lines.range(path, n.span).start.line : 0,
      folder: n.folder,
      group: n.group,
      ...(n.description ? { description: n.description } : {}),
      tags: n.tags,
      parents: n.parents,
      children: n.children,
      ...(relation ? { relation } : {}),
      columns: n.columns.map((c) => ({ ...c, declared: true })),
      tests: n.tests,
    };
  });
  const result: LineageResult = { focus: lineage.focus, nodes, edges: lineage.edges, layered: lineage.layered, ...(lineage.layered ? { layers: analysis.graph.layerNames } : {}) };
  if (!params.columns || !compiler) return result;
  const shown = new Set(result.nodes.map((n) => n.id));
  const modelled = ctx.modelledColumns?.(new Set((params.columnNodes ?? [...shown]).filter((id) => shown.has(id))));
  if (modelled) {
    for (const n of result.nodes) {
      const columns = modelled.columns.get(n.id);
      if (columns) n.columns = columns;
    }
    result.columnEdges = modelled.edges;
    return result;
  }
  traceColumns(analysis, compiler, result, params.columnNodes);
  return result;
}

function relationOf(compiler: Compiler, node: Parameters<Compiler['relation']>[0]): string | undefined {
  try {
    return compiler.relation(node).render();
  } catch {
    return undefined;
  }
}

/** Column edges among the answer's nodes (or `only`), and the columns each model's SQL outputs. */
function traceColumns(analysis: Analysis, compiler: Compiler, result: LineageResult, only?: string[]): void {
  // Loaded on first use: its SQL parser is a bundle of its own that a server start does not parse.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
  const { columnLineage } = require('../analysis/column-lineage') as typeof import('../analysis/column-lineage');
  const shown = new Set(result.nodes.map((n) => n.id));
  const ids = new Set((only ?? [...shown]).filter((id) => shown.has(id)).slice(0, COLUMN_NODES_UP_TO));
  const bare = (relation: string): string => relation.replace(/["`]/g, '').toLowerCase();
  const edges: NonNullable<LineageResult['columnEdges']> = [];
  const problems: NonNullable<LineageResult['columnProblems']> = [];
  const outputs = new Map<string, Set<string>>();
  const seen = (node: string, column: string): void => {
    const set = outputs.get(node) ?? new Set<string>();
    set.add(column);
    outputs.set(node, set);
  };
  for (const id of ids) {
    const node = analysis.project.nodes.get(id);
    if (!node || (node.resourceType !== 'model' && node.resourceType !== 'snapshot')) continue;
    let sql: string | undefined;
    try {
      sql = compiler.compile(id).sql;
    } catch {
      sql = undefined;
    }
    const traced = sql === undefined ? undefined : columnLineage(sql);
    if (!traced) {
      problems.push({ node: id, message: sql === undefined ? `${node.name} does not compile` : `${node.name}: its SQL could not be read for column lineage` });
      continue;
    }
    const parents = new Map<string, string>();
    for (const p of node.dependsOn) {
      const parent = analysis.project.nodes.get(p);
      if (!parent || !ids.has(p)) continue;
      const relation = parent.config.materialized === 'ephemeral' ? undefined : relationOf(compiler, parent);
      if (relation) parents.set(bare(relation), p);
    }
    for (const e of traced) {
      seen(id, e.toColumn);
      const parent = parents.get(bare(e.fromTable));
      if (!parent) continue;
      seen(parent, e.fromColumn);
      edges.push({ from: { node: parent, column: e.fromColumn }, to: { node: id, column: e.toColumn }, exact: false });
    }
  }
  // Each node lists its yml columns, then those only its SQL (or its children's) shows.
  for (const n of result.nodes) {
    const columns: LineageColumnInfo[] = n.columns ?? [];
    const known = new Set(columns.map((c) => c.name.toLowerCase()));
    for (const name of outputs.get(n.id) ?? []) if (!known.has(name.toLowerCase())) columns.push({ name });
    n.columns = columns;
  }
  result.columnEdges = edges;
  if (problems.length > 0) result.columnProblems = problems;
}
