/**
 * One column traced through the column model: upstream to the columns it is computed from (and
 * theirs, to the sources), downstream to every column computed from it. Each step says whether
 * it is exact (the target engine's parse tree over exactly bound columns) or not.
 */
import type { Analysis } from '../analysis';
import type { ColumnModel, ColumnRefId } from './model';

export interface TracedColumn extends ColumnRefId {
  /** Distance: negative upstream, positive downstream. */
  depth: number;
  type?: string;
  exact: boolean;
}

export interface ColumnTrace {
  column: TracedColumn;
  upstream: TracedColumn[];
  downstream: TracedColumn[];
  edges: Array<{ from: ColumnRefId; to: ColumnRefId; exact: boolean }>;
  /** Set when the column is not one the node outputs (with the columns it does). */
  problem?: string;
}

const key = (r: ColumnRefId): string => `${r.nodeId}\u0000${r.column.toLowerCase()}`;

export function traceColumn(analysis: Analysis, model: ColumnModel, nodeId: string, column: string): ColumnTrace {
  const entry = model.get(nodeId);
  const own = entry?.columns?.find((c) => c.name.toLowerCase() === column.toLowerCase());
  const exactOf = (id: string): boolean => {
    const e = model.get(id);
    return Boolean(e?.exact && (e.lineage === 'engine' || e.origin !== 'binder'));
  };
  const start: TracedColumn = { nodeId, column: own?.name ?? column, depth: 0, ...(own?.type ? { type: own.type } : {}), exact: exactOf(nodeId) };
  const trace: ColumnTrace = { column: start, upstream: [], downstream: [], edges: [] };
  if (!own) {
    trace.problem = entry?.columns ? `'${analysis.project.nodes.get(nodeId)?.name ?? nodeId}' has no column '${column}' (its columns: ${entry.columns.map((c) => c.name).join(', ')})` : `The columns of '${analysis.project.nodes.get(nodeId)?.name ?? nodeId}' are not known${entry?.note ? `: ${entry.note.split('\n')[0]}` : ''}`;
    return trace;
  }
  const edgeSeen = new Set<string>();
  const addEdge = (from: ColumnRefId, to: ColumnRefId, exact: boolean): void => {
    const k = `${key(from)}\u0001${key(to)}`;
    if (edgeSeen.has(k)) return;
    edgeSeen.add(k);
    trace.edges.push({ from, to, exact });
  };

  // Upstream, breadth first.
  const seenUp = new Set<string>([key(start)]);
  let frontier: Array<TracedColumn> = [start];
  for (let depth = -1; frontier.length > 0; depth--) {
    const next: TracedColumn[] = [];
    for (const at of frontier) {
      const col = model.get(at.nodeId)?.columns?.find((c) => c.name.toLowerCase() === at.column.toLowerCase());
      for (const from of col?.from ?? []) {
        const fromCol = model.get(from.nodeId)?.columns?.find((c) => c.name.toLowerCase() === from.column.toLowerCase());
        addEdge(from, { nodeId: at.nodeId, column: at.column }, exactOf(at.nodeId));
        if (seenUp.has(key(from))) continue;
        seenUp.add(key(from));
        const traced: TracedColumn = { nodeId: from.nodeId, column: fromCol?.name ?? from.column, depth, ...(fromCol?.type ? { type: fromCol.type } : {}), exact: exactOf(from.nodeId) };
        trace.upstream.push(traced);
        next.push(traced);
      }
    }
    frontier = next;
  }

  // Downstream: the children's columns computed from a traced column.
  const seenDown = new Set<string>([key(start)]);
  frontier = [start];
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: TracedColumn[] = [];
    for (const at of frontier) {
      for (const childId of analysis.graph.children.get(at.nodeId) ?? []) {
        for (const c of model.get(childId)?.columns ?? []) {
          if (!c.from?.some((f) => f.nodeId === at.nodeId && f.column.toLowerCase() === at.column.toLowerCase())) continue;
          const to: ColumnRefId = { nodeId: childId, column: c.name };
          addEdge({ nodeId: at.nodeId, column: at.column }, to, exactOf(childId));
          if (seenDown.has(key(to))) continue;
          seenDown.add(key(to));
          const traced: TracedColumn = { ...to, depth, ...(c.type ? { type: c.type } : {}), exact: exactOf(childId) };
          trace.downstream.push(traced);
          next.push(traced);
        }
      }
    }
    frontier = next;
  }
  return trace;
}
