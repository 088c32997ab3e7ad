/** The lineage view's layout (client/src/webview/layout.ts): properties that make a graph readable, on small and 2,000-node graphs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isotonic, layout, type LayoutInput } from '../client/src/webview/layout';

const box = (id: string): { id: string; width: number; height: number } => ({ id, width: 160, height: 34 });

/** A hub with `fan` children, each with `grand` children, and a few parents: the shape of a real project's hub. */
function hub(fan: number, grand: number): LayoutInput {
  const nodes = [box('src_a'), box('src_b'), box('stg'), box('hub')];
  const edges = [
    { from: 'src_a', to: 'stg' },
    { from: 'src_b', to: 'stg' },
    { from: 'stg', to: 'hub' },
  ];
  for (let i = 0; i < fan; i++) {
    nodes.push(box(`c${i}`));
    edges.push({ from: 'hub', to: `c${i}` });
    for (let j = 0; j < grand; j++) {
      nodes.push(box(`c${i}_${j}`));
      edges.push({ from: `c${i}`, to: `c${i}_${j}` });
      // Some grandchildren also read a sibling branch, some the hub itself (long edges).
      if (j % 5 === 0 && i > 0) edges.push({ from: `c${i - 1}`, to: `c${i}_${j}` });
      if (j % 9 === 0) edges.push({ from: 'hub', to: `c${i}_${j}` });
    }
  }
  return { nodes, edges };
}

function assertReadable(input: LayoutInput): void {
  const out = layout(input);
  const sizes = new Map(input.nodes.map((n) => [n.id, n]));
  // Every node placed, inside the bounds.
  for (const n of input.nodes) {
    const p = out.positions[n.id]!;
    assert.ok(p, `${n.id} placed`);
    assert.ok(p.x - n.width / 2 >= 0 && p.x + n.width / 2 <= out.width + 0.001, `${n.id} inside horizontally`);
    assert.ok(p.y - n.height / 2 >= -0.001 && p.y + n.height / 2 <= out.height + 0.001, `${n.id} inside vertically`);
  }
  // Edges run left to right (an acyclic graph), starting at the parent's right side and ending at the child's left side.
  for (const e of out.edges) {
    const a = out.positions[e.from]!;
    const b = out.positions[e.to]!;
    assert.ok(a.x < b.x, `${e.from} → ${e.to} runs right`);
    assert.equal(e.points[0], a.x + sizes.get(e.from)!.width / 2);
    assert.equal(e.points[e.points.length - 2], b.x - sizes.get(e.to)!.width / 2);
  }
  // No two nodes overlap.
  const byColumn = new Map<number, Array<{ top: number; bottom: number; id: string }>>();
  for (const n of input.nodes) {
    const p = out.positions[n.id]!;
    const list = byColumn.get(p.x) ?? [];
    list.push({ top: p.y - n.height / 2, bottom: p.y + n.height / 2, id: n.id });
    byColumn.set(p.x, list);
  }
  for (const list of byColumn.values()) {
    list.sort((a, b) => a.top - b.top);
    for (let i = 1; i < list.length; i++) assert.ok(list[i]!.top >= list[i - 1]!.bottom + 13.9, `${list[i - 1]!.id} and ${list[i]!.id} keep their distance`);
  }
}

describe('lineage layout', () => {
  it('a chain lies on one line, left to right', () => {
    const out = layout({ nodes: ['a', 'b', 'c'].map(box), edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] });
    assert.ok(out.positions.a!.x < out.positions.b!.x && out.positions.b!.x < out.positions.c!.x);
    assert.equal(out.positions.a!.y, out.positions.c!.y);
    assert.equal(out.stats.crossings, 0);
  });

  it('a source sits next to its first reader, not at the far left', () => {
    const out = layout({ nodes: ['a', 'b', 'c', 'late'].map(box), edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'late', to: 'c' }] });
    assert.equal(out.positions.late!.x, out.positions.b!.x);
  });

  it('two crossing pairs are uncrossed', () => {
    const out = layout({ nodes: ['a', 'b', 'x', 'y'].map(box), edges: [{ from: 'a', to: 'y' }, { from: 'b', to: 'x' }, { from: 'a', to: 'x' }] });
    assert.equal(out.stats.crossings, 0);
  });

  it('a parent is centred on its children', () => {
    const out = layout({ nodes: ['p', 'c1', 'c2', 'c3'].map(box), edges: ['c1', 'c2', 'c3'].map((c) => ({ from: 'p', to: c })) });
    assert.equal(out.positions.p!.y, out.positions.c2!.y);
  });

  it('cycles, duplicate edges, self loops and unknown ends do not break it', () => {
    const out = layout({ nodes: ['a', 'b', 'c'].map(box), edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'a', to: 'b' }, { from: 'b', to: 'b' }, { from: 'a', to: 'zz' }] });
    assert.equal(out.edges.length, 3);
    const back = out.edges.find((e) => e.from === 'c')!;
    // The reversed edge still starts at c and ends at a.
    assert.equal(back.points[0], out.positions.c!.x - 80);
    assert.equal(back.points[back.points.length - 2], out.positions.a!.x + 80);
  });

  it('an empty graph', () => {
    const out = layout({ nodes: [], edges: [] });
    assert.deepEqual([out.width, out.height, out.edges.length], [0, 0, 0]);
  });

  it('a hub neighbourhood of 2,000 nodes: every node placed, no overlaps, edges left to right; deterministic', () => {
    const input = hub(72, 27);
    assert.ok(input.nodes.length >= 2000, `${input.nodes.length} nodes`);
    assertReadable(input);
    assert.deepEqual(layout(input).positions, layout(input).positions);
  });

  it('isotonic placement keeps order and spacing, as near the wishes as they allow', () => {
    assert.deepEqual(isotonic([0, 0, 0], [10, 10], [1, 1, 1]), [-10, 0, 10]);
    assert.deepEqual(isotonic([0, 100], [10], [1, 1]), [0, 100]);
    assert.deepEqual(isotonic([5, 0], [10], [1, 1]), [-2.5, 7.5]);
  });
});
