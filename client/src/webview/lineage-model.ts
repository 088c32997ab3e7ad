/**
 * What the lineage view draws, from what it knows: the focus node's ancestors and descendants
 * (in the chosen direction), without the nodes the filters hide (their edges bridged through
 * them), without what the user collapsed, with each fan-out wider than a threshold folded into a
 * "+N more" node that expands in place, and with the neighbours of nodes the user expanded. Pure
 * (no DOM): the webview calls it on every change and unit tests call it directly.
 */
import type { LineageNode } from '../../../server/src/lsp/protocol';

export type Direction = 'up' | 'down';
export type Directions = 'up' | 'down' | 'both';

/** A node as the view knows it: the server's node, its last run status, and its tests' statuses. */
export type KnownNode = LineageNode & { status?: string };

export interface Known {
  nodes: Map<string, KnownNode>;
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
}

export interface ViewState {
  focus: string;
  directions: Directions;
  /** Groups (layers or folders) and resource types the filters hide. */
  hiddenGroups: Set<string>;
  hiddenTypes: Set<string>;
  /** Show each node's data tests as nodes of their own. */
  tests: boolean;
  /** Fan-outs wider than this fold into a "+N more" node. */
  fanout: number;
  /** Fan-outs unfolded (`id>down`, `id<up`), or all of them. */
  unfolded: Set<string>;
  unfoldAll: boolean;
  /** Per node: neighbours hidden by the user (`id>down`, `id<up`)... */
  collapsed: Set<string>;
  /** ...and neighbours shown by the user beyond the focus's own lineage. */
  expanded: Set<string>;
}

export interface DrawnNode {
  id: string;
  kind: 'node' | 'more' | 'test';
  /** For `node` and `test`: what is known of it. */
  node?: KnownNode;
  /** For `more`: the node whose neighbours it stands for, which way, and how many. */
  owner?: string;
  direction?: Direction;
  count?: number;
  /** Which sides of a node have neighbours not drawn (an expand handle) or drawn (a collapse handle). */
  handles?: { up?: 'expand' | 'collapse'; down?: 'expand' | 'collapse' };
}

export interface DrawnEdge {
  from: string;
  to: string;
  /** Through nodes the filters hide. */
  bridged?: boolean;
}

export interface Drawn {
  nodes: DrawnNode[];
  edges: DrawnEdge[];
  /** Known nodes folded into a "+N more" node: which one. */
  folded: Map<string, string>;
}

export const foldKey = (id: string, direction: Direction): string => `${id}${direction === 'down' ? '>down' : '<up'}`;
export const moreId = (id: string, direction: Direction): string => `more:${foldKey(id, direction)}`;

const FAILING = new Set(['error', 'fail']);

export function emptyKnown(): Known {
  return { nodes: new Map(), parents: new Map(), children: new Map() };
}

/** Adds the server's nodes and edges to what the view knows (a later answer refreshes a node's data). */
export function learn(known: Known, nodes: LineageNode[], edges: Array<{ from: string; to: string }>): void {
  for (const n of nodes) known.nodes.set(n.id, { ...known.nodes.get(n.id), ...n });
  const add = (map: Map<string, string[]>, key: string, value: string): void => {
    const list = map.get(key);
    if (!list) map.set(key, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const e of edges) {
    add(known.children, e.from, e.to);
    add(known.parents, e.to, e.from);
  }
}

/** Whether the filters let a node through (the focus always shows). */
function passes(node: KnownNode, state: ViewState): boolean {
  if (node.id === state.focus) return true;
  if (state.hiddenTypes.has(node.resourceType)) return false;
  return !state.hiddenGroups.has(node.group ?? node.layer ?? '');
}

export function drawnGraph(known: Known, state: ViewState): Drawn {
  const neighbours = (id: string, direction: Direction): string[] => (direction === 'down' ? known.children : known.parents).get(id) ?? [];
  /** Neighbours the filters let through, looking through the ones they hide (bridged). */
  const through = new Map<string, Array<{ id: string; bridged: boolean }>>();
  const visible = (id: string, direction: Direction): Array<{ id: string; bridged: boolean }> => {
    const key = foldKey(id, direction);
    const cached = through.get(key);
    if (cached) return cached;
    const out: Array<{ id: string; bridged: boolean }> = [];
    const seen = new Set<string>([id]);
    const stack = neighbours(id, direction).map((n) => ({ id: n, bridged: false }));
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next.id)) continue;
      seen.add(next.id);
      const node = known.nodes.get(next.id);
      if (!node) continue;
      if (passes(node, state)) out.push(next);
      else for (const n of neighbours(next.id, direction)) stack.push({ id: n, bridged: true });
    }
    // Failing nodes first, then by name: what a fold keeps in view.
    out.sort((a, b) => {
      const fa = FAILING.has(known.nodes.get(a.id)!.status ?? '') ? 0 : 1;
      const fb = FAILING.has(known.nodes.get(b.id)!.status ?? '') ? 0 : 1;
      return fa - fb || known.nodes.get(a.id)!.name.localeCompare(known.nodes.get(b.id)!.name);
    });
    through.set(key, out);
    return out;
  };

  const shown = new Set<string>();
  const edges = new Map<string, DrawnEdge>();
  const addEdge = (from: string, to: string, bridged: boolean): void => {
    const key = `${from}→${to}`;
    if (!edges.has(key)) edges.set(key, bridged ? { from, to, bridged } : { from, to });
  };
  /** Folds: owner+direction → the neighbours it hides (pruned of those shown some other way). */
  const folds = new Map<string, { owner: string; direction: Direction; hidden: string[] }>();
  const queue: Array<{ id: string; direction: Direction }> = [];
  const visited = new Set<string>();
  const walk = (id: string, direction: Direction): void => {
    const key = foldKey(id, direction);
    if (visited.has(key) || state.collapsed.has(key)) return;
    visited.add(key);
    queue.push({ id, direction });
  };
  /** Shows a node; the user's expansions of it walk from there. */
  const show = (id: string): void => {
    if (shown.has(id)) return;
    shown.add(id);
    for (const direction of ['up', 'down'] as const) if (state.expanded.has(foldKey(id, direction))) walk(id, direction);
  };
  if (!known.nodes.has(state.focus)) return { nodes: [], edges: [], folded: new Map() };
  show(state.focus);
  if (state.directions !== 'down') walk(state.focus, 'up');
  if (state.directions !== 'up') walk(state.focus, 'down');
  // Breadth first, so a node reached two ways is reached first by its shortest way.
  for (let i = 0; i < queue.length; i++) {
    const { id, direction } = queue[i]!;
    const next = visible(id, direction);
    const unfolded = state.unfoldAll || state.unfolded.has(foldKey(id, direction)) || next.length <= state.fanout;
    // A fold keeps one place for itself: fanout − 1 neighbours, then "+N more".
    const keep = unfolded ? next.length : state.fanout - 1;
    const hidden: string[] = [];
    next.forEach((n, k) => {
      if (k < keep || shown.has(n.id)) {
        show(n.id);
        if (direction === 'down') addEdge(id, n.id, n.bridged);
        else addEdge(n.id, id, n.bridged);
        walk(n.id, direction);
      } else hidden.push(n.id);
    });
    if (hidden.length > 0) folds.set(foldKey(id, direction), { owner: id, direction, hidden });
  }
  // Edges among shown nodes that no walk drew (a child also reading a sibling).
  for (const id of shown) {
    for (const n of visible(id, 'down')) if (shown.has(n.id)) addEdge(id, n.id, n.bridged);
  }

  const nodes: DrawnNode[] = [];
  const folded = new Map<string, string>();
  for (const id of shown) {
    const node = known.nodes.get(id)!;
    nodes.push({ id, kind: 'node', node, handles: handlesOf(node, known, shown, state) });
  }
  for (const [key, fold] of folds) {
    const hidden = fold.hidden.filter((h) => !shown.has(h));
    if (hidden.length === 0) continue;
    const id = `more:${key}`;
    for (const h of hidden) folded.set(h, id);
    nodes.push({ id, kind: 'more', owner: fold.owner, direction: fold.direction, count: hidden.length });
    if (fold.direction === 'down') edges.set(`${fold.owner}→${id}`, { from: fold.owner, to: id });
    else edges.set(`${id}→${fold.owner}`, { from: id, to: fold.owner });
  }
  if (state.tests && !state.hiddenTypes.has('test')) {
    for (const id of shown) {
      for (const t of known.nodes.get(id)!.tests ?? []) {
        const testId = `${t.id}@${id}`;
        nodes.push({ id: testId, kind: 'test', node: { id: t.id, name: t.column ? `${t.name}` : t.name, resourceType: 'test', layer: null, materialized: 'test', file: '', depth: 0, group: 'test' } });
        edges.set(`${id}→${testId}`, { from: id, to: testId });
      }
    }
  }
  return { nodes, edges: [...edges.values()], folded };
}

/** A side gets an expand handle when the node has neighbours there not drawn, a collapse handle when some are drawn. */
function handlesOf(node: KnownNode, known: Known, shown: Set<string>, state: ViewState): DrawnNode['handles'] {
  const handles: NonNullable<DrawnNode['handles']> = {};
  const side = (direction: Direction, total: number | undefined): void => {
    const list = (direction === 'down' ? known.children : known.parents).get(node.id) ?? [];
    const drawnThere = list.filter((n) => shown.has(n)).length;
    const collapsedHere = state.collapsed.has(foldKey(node.id, direction));
    const all = Math.max(total ?? 0, list.length);
    if (drawnThere > 0 && !collapsedHere) handles[direction] = 'collapse';
    else if (all > 0) handles[direction] = 'expand';
  };
  side('up', node.parents);
  side('down', node.children);
  return handles;
}
