/**
 * Layered left-to-right layout for lineage graphs (Sugiyama style), written for thousands of
 * nodes in a web worker: cycles broken by reversing back edges, ranks by longest path (sources
 * pulled next to their first reader), long edges split by dummy points, order within a rank by
 * barycenter sweeps keeping the order with the fewest crossings, and vertical positions by
 * repeated isotonic regression (each node as near the mean of its neighbours as order and spacing
 * allow). Pure: no DOM, no clock except the timing it reports.
 */

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutInput {
  nodes: LayoutNode[];
  edges: Array<{ from: string; to: string }>;
  /** Horizontal gap between ranks, and vertical gap between nodes. */
  rankSep?: number;
  nodeSep?: number;
}

export interface LayoutOutput {
  /** Centre of each node, by id. */
  positions: Record<string, { x: number; y: number }>;
  /** Each input edge (duplicates and self loops dropped): its route as x,y pairs, from → to. */
  edges: Array<{ from: string; to: string; points: number[] }>;
  width: number;
  height: number;
  stats: { nodes: number; edges: number; ranks: number; dummies: number; crossings: number; millis: number };
}

const MARGIN = 16;
const DUMMY_HEIGHT = 2;
const DUMMY_GAP = 4;

export function layout(input: LayoutInput, now: () => number = () => performance.now()): LayoutOutput {
  const started = now();
  const rankSep = input.rankSep ?? 80;
  const nodeSep = input.nodeSep ?? 14;
  const n = input.nodes.length;
  const index = new Map<string, number>();
  input.nodes.forEach((node, i) => index.set(node.id, i));
  // Real edges, deduplicated; self loops dropped.
  const seen = new Set<string>();
  const real: Array<[number, number]> = [];
  for (const e of input.edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const key = `${a},${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    real.push([a, b]);
  }
  const reversed = breakCycles(n, real);
  const dag = real.map(([a, b], i) => (reversed[i] ? ([b, a] as [number, number]) : ([a, b] as [number, number])));
  const rank = rankNodes(n, dag);

  // Dummy points for edges spanning more than one rank: vertices n, n+1, ...
  const vRank = [...rank];
  const vHeight = input.nodes.map((node) => node.height);
  const vWidth = input.nodes.map((node) => node.width);
  const chains: number[][] = [];
  const up: number[][] = Array.from({ length: n }, () => []);
  const down: number[][] = Array.from({ length: n }, () => []);
  const link = (a: number, b: number): void => {
    down[a]!.push(b);
    up[b]!.push(a);
  };
  for (const [a, b] of dag) {
    const chain = [a];
    for (let r = rank[a]! + 1; r < rank[b]!; r++) {
      const d = vRank.length;
      vRank.push(r);
      vHeight.push(DUMMY_HEIGHT);
      vWidth.push(0);
      up.push([]);
      down.push([]);
      link(chain[chain.length - 1]!, d);
      chain.push(d);
    }
    link(chain[chain.length - 1]!, b);
    chain.push(b);
    chains.push(chain);
  }
  const total = vRank.length;
  let ranks = 0;
  for (const r of vRank) ranks = Math.max(ranks, r + 1);
  const layers: number[][] = Array.from({ length: ranks }, () => []);
  for (const v of initialOrder(total, n, vRank, up, down)) layers[vRank[v]!]!.push(v);

  const crossings = orderLayers(layers, up, down, total);

  // x: one column per rank, as wide as its widest node.
  const colWidth = layers.map((layer) => layer.reduce((w, v) => Math.max(w, vWidth[v]!), 0));
  const colX: number[] = [];
  let x = MARGIN;
  for (let r = 0; r < ranks; r++) {
    colX.push(x + colWidth[r]! / 2);
    x += colWidth[r]! + rankSep;
  }
  const y = assignY(layers, up, down, vHeight, n, nodeSep);
  let minY = Infinity;
  let maxY = -Infinity;
  for (let v = 0; v < total; v++) {
    minY = Math.min(minY, y[v]! - vHeight[v]! / 2);
    maxY = Math.max(maxY, y[v]! + vHeight[v]! / 2);
  }
  const shift = total === 0 ? 0 : MARGIN - minY;
  const positions: LayoutOutput['positions'] = {};
  input.nodes.forEach((node, i) => (positions[node.id] = { x: colX[rank[i]!]!, y: y[i]! + shift }));
  const edges: LayoutOutput['edges'] = chains.map((chain, i) => {
    const ordered = reversed[i] ? [...chain].reverse() : chain;
    const points: number[] = [];
    ordered.forEach((v, k) => {
      const cx = colX[vRank[v]!]!;
      const cy = y[v]! + shift;
      if (v >= n) points.push(cx, cy);
      else if (k === 0) points.push(cx + (reversed[i] ? -1 : 1) * (vWidth[v]! / 2), cy);
      else points.push(cx + (reversed[i] ? 1 : -1) * (vWidth[v]! / 2), cy);
    });
    return { from: input.nodes[real[i]![0]]!.id, to: input.nodes[real[i]![1]]!.id, points };
  });
  return {
    positions,
    edges,
    width: Math.max(0, x - rankSep + MARGIN),
    height: total === 0 ? 0 : maxY - minY + 2 * MARGIN,
    stats: { nodes: n, edges: real.length, ranks, dummies: total - n, crossings, millis: now() - started },
  };
}

/** Which edges to reverse so the graph has no cycle: the back edges of an iterative depth-first search. */
function breakCycles(n: number, edges: Array<[number, number]>): boolean[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  edges.forEach(([a], i) => out[a]!.push(i));
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const reversed = edges.map(() => false);
  for (let start = 0; start < n; start++) {
    if (state[start]) continue;
    const stack: Array<[number, number]> = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const [v, next] = frame;
      if (next < out[v]!.length) {
        frame[1]++;
        const e = out[v]![next]!;
        const w = edges[e]![1];
        if (state[w] === 1) reversed[e] = true;
        else if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  return reversed;
}

/** Longest-path ranks (every edge goes at least one rank right), sources moved next to their first reader. */
function rankNodes(n: number, edges: Array<[number, number]>): number[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Int32Array(n);
  for (const [a, b] of edges) {
    out[a]!.push(b);
    indeg[b]!++;
  }
  const rank = new Array<number>(n).fill(0);
  const order: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) order.push(v);
  for (let i = 0; i < order.length; i++) {
    const v = order[i]!;
    for (const w of out[v]!) {
      rank[w] = Math.max(rank[w]!, rank[v]! + 1);
      if (--indeg[w]! === 0) order.push(w);
    }
  }
  const hasParent = new Uint8Array(n);
  for (const [, b] of edges) hasParent[b] = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i]!;
    if (hasParent[v] || out[v]!.length === 0) continue;
    let first = Infinity;
    for (const w of out[v]!) first = Math.min(first, rank[w]!);
    rank[v] = first - 1;
  }
  let min = 0;
  for (const r of rank) min = Math.min(min, r);
  return rank.map((r) => r - min);
}

/** A first order: depth first from the roots, so connected nodes start near each other. */
function initialOrder(total: number, n: number, rank: number[], up: number[][], down: number[][]): number[] {
  const placed = new Uint8Array(total);
  const order: number[] = [];
  const visit = (start: number): void => {
    const stack = [start];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (placed[v]) continue;
      placed[v] = 1;
      order.push(v);
      const next = down[v]!;
      for (let i = next.length - 1; i >= 0; i--) if (!placed[next[i]!]) stack.push(next[i]!);
    }
  };
  for (let v = 0; v < n; v++) if (up[v]!.length === 0) visit(v);
  for (let v = 0; v < total; v++) if (!placed[v]) visit(v);
  // Within a rank, the visiting order; ranks are filled in this order.
  return order.sort((a, b) => rank[a]! - rank[b]!);
}

/** Barycenter sweeps down and up; keeps the order with the fewest crossings. Returns them. */
function orderLayers(layers: number[][], up: number[][], down: number[][], total: number): number {
  const pos = new Float64Array(total);
  const setPositions = (): void => layers.forEach((layer) => layer.forEach((v, i) => (pos[v] = i)));
  setPositions();
  let best = layers.map((l) => [...l]);
  let bestCrossings = countCrossings(layers, down, pos);
  const sweeps = total > 20000 ? 4 : 12;
  for (let iter = 0; iter < sweeps && bestCrossings > 0; iter++) {
    const downward = iter % 2 === 0;
    const from = downward ? 1 : layers.length - 2;
    const step = downward ? 1 : -1;
    for (let r = from; r >= 0 && r < layers.length; r += step) {
      const layer = layers[r]!;
      const neighbours = downward ? up : down;
      const bary = new Map<number, number>();
      for (const v of layer) {
        const ns = neighbours[v]!;
        if (ns.length === 0) bary.set(v, pos[v]!);
        else {
          let sum = 0;
          for (const w of ns) sum += pos[w]!;
          bary.set(v, sum / ns.length);
        }
      }
      layer.sort((a, b) => bary.get(a)! - bary.get(b)! || pos[a]! - pos[b]!);
      layer.forEach((v, i) => (pos[v] = i));
    }
    const crossings = countCrossings(layers, down, pos);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = layers.map((l) => [...l]);
    }
  }
  best.forEach((l, r) => (layers[r] = l));
  setPositions();
  return bestCrossings;
}

/** Edge crossings between adjacent ranks (bilayer counting with a Fenwick tree). */
function countCrossings(layers: number[][], down: number[][], pos: Float64Array): number {
  let crossings = 0;
  for (let r = 0; r + 1 < layers.length; r++) {
    const size = layers[r + 1]!.length;
    const targets: number[] = [];
    for (const v of layers[r]!) {
      const ends = down[v]!.map((w) => pos[w]!).sort((a, b) => a - b);
      for (const e of ends) targets.push(e);
    }
    const tree = new Int32Array(size + 1);
    let seenSoFar = 0;
    for (const t of targets) {
      // Edges seen so far ending strictly below t cross this one.
      let atOrBelow = 0;
      for (let i = t + 1; i > 0; i -= i & -i) atOrBelow += tree[i]!;
      crossings += seenSoFar - atOrBelow;
      for (let i = t + 1; i <= size; i += i & -i) tree[i]!++;
      seenSoFar++;
    }
  }
  return crossings;
}

/** Vertical centres: stacked per rank, then pulled toward neighbours (down, up, down, up, both). */
function assignY(layers: number[][], up: number[][], down: number[][], height: number[], n: number, nodeSep: number): Float64Array {
  const total = height.length;
  const y = new Float64Array(total);
  const gap = (a: number, b: number): number => (a >= n && b >= n ? DUMMY_GAP : a >= n || b >= n ? nodeSep / 2 + DUMMY_GAP : nodeSep);
  const separations = layers.map((layer) => layer.slice(1).map((v, i) => height[layer[i]!]! / 2 + gap(layer[i]!, v) + height[v]! / 2));
  // Start: each rank stacked and centred on 0.
  layers.forEach((layer, r) => {
    let at = 0;
    layer.forEach((v, i) => {
      if (i > 0) at += separations[r]![i - 1]!;
      y[v] = at;
    });
    for (const v of layer) y[v] = y[v]! - at / 2;
  });
  const pull = (r: number, neighbours: (v: number) => number[]): void => {
    const layer = layers[r]!;
    const desired = layer.map((v) => {
      const ns = neighbours(v);
      if (ns.length === 0) return y[v]!;
      let sum = 0;
      for (const w of ns) sum += y[w]!;
      return sum / ns.length;
    });
    // Dummy points weigh more: long edges stay straight.
    const weights = layer.map((v) => (v >= n ? 2 : 1));
    const placed = isotonic(desired, separations[r]!, weights);
    layer.forEach((v, i) => (y[v] = placed[i]!));
  };
  const passes: Array<'down' | 'up' | 'both'> = ['down', 'up', 'down', 'up', 'both'];
  for (const pass of passes) {
    if (pass === 'up') for (let r = layers.length - 2; r >= 0; r--) pull(r, (v) => down[v]!);
    else for (let r = pass === 'down' ? 1 : 0; r < layers.length; r++) pull(r, (v) => (pass === 'down' ? up[v]! : [...up[v]!, ...down[v]!]));
  }
  return y;
}

/**
 * Positions as near `desired` as possible (weighted least squares) keeping their order with at
 * least `sep[i]` between position i and i+1: isotonic regression by pool-adjacent-violators on
 * the positions with the separations taken out.
 */
export function isotonic(desired: number[], sep: number[], weights: number[]): number[] {
  const offset: number[] = [0];
  for (let i = 1; i < desired.length; i++) offset.push(offset[i - 1]! + sep[i - 1]!);
  const blocks: Array<{ mean: number; weight: number; count: number }> = [];
  desired.forEach((d, i) => {
    let block = { mean: d - offset[i]!, weight: weights[i]!, count: 1 };
    while (blocks.length > 0 && blocks[blocks.length - 1]!.mean > block.mean) {
      const prev = blocks.pop()!;
      const weight = prev.weight + block.weight;
      block = { mean: (prev.mean * prev.weight + block.mean * block.weight) / weight, weight, count: prev.count + block.count };
    }
    blocks.push(block);
  });
  const out: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) out.push(b.mean + offset[out.length]!);
  return out;
}
