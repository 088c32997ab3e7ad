/**
 * The lineage webview's script (bundled for the browser). The extension sends what the server
 * answered; this script decides what to draw (lineage-model.ts), lays it out in a web worker
 * (layout.ts), draws it (lineage-render.ts) and handles the person in front of it: click selects
 * and shows details, double click focuses, right click opens the node's menu, the side handles
 * expand or collapse parents and children, "+N more" unfolds in place, search jumps to a node,
 * filters hide groups and resource types, upstream/downstream/both, columns traced across
 * models. The view never moves unless asked: new data keeps what is on screen where it was.
 */
import type { LineageColumnEdge, LineageNode } from '../../../server/src/lsp/protocol';
import { layout, type LayoutInput, type LayoutOutput } from './layout';
import { drawnGraph, emptyKnown, foldKey, learn, type DrawnNode, type Direction, type Directions, type Known, type ViewState } from './lineage-model';
import { curve, edgeBox, HEADER, Renderer, ROW, type Decorations, type Placed, type Scene, type View } from './lineage-render';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
/** The layout worker's source, bundled in by the build (scripts/build.mjs). */
declare const LAYOUT_WORKER_SOURCE: string;

type Incoming =
  | { type: 'graph'; focus: string | null; nodes: LineageNode[]; edges: Array<{ from: string; to: string }>; depth: number; layered: boolean; layers: string[]; statuses: Record<string, string>; fresh: boolean }
  | { type: 'learn'; nodes: LineageNode[]; edges: Array<{ from: string; to: string }>; around: string; direction: Direction }
  | { type: 'statuses'; statuses: Record<string, string> }
  | { type: 'columns'; nodes: LineageNode[]; edges: LineageColumnEdge[]; problems: Array<{ node: string; message: string }> }
  | { type: 'details'; node: LineageNode }
  | { type: 'select'; name: string; column?: string }
  | { type: 'unfoldAll' };

const vscode = acquireVsCodeApi();
const root = document.getElementById('graph')!;
const info = document.getElementById('info')!;
const details = document.getElementById('details')!;
const menu = document.getElementById('menu')!;
const search = document.getElementById('search') as HTMLInputElement;
const names = document.getElementById('names')!;
const filters = document.getElementById('filter-list')!;
const legend = document.getElementById('legend')!;
const renderer = new Renderer(root);

const ICON: Record<string, string> = { table: '▦', view: '◫', incremental: '⇣', ephemeral: '◌', seed: '⛁', snapshot: '◷', source: '⬚', exposure: '◉', test: '✓' };
const MEDALLION = ['landing', 'bronze', 'silver', 'gold', 'seed'];
/** Panel pixels per graph unit at which 13 px labels render at 11 px or more. */
const READABLE = 0.85;
const COLUMNS_UP_TO = 80;

let known: Known = emptyKnown();
const state: ViewState = {
  focus: '',
  directions: 'both',
  hiddenGroups: new Set(),
  hiddenTypes: new Set(),
  tests: false,
  fanout: 8,
  unfolded: new Set(),
  unfoldAll: false,
  collapsed: new Set(),
  expanded: new Set(),
};
let statuses: Record<string, string> = {};
let layered = false;
let layerOrder: string[] = [];
let depth = 2;
let selected: string | undefined;
let columnMode = false;
let columnEdges: LineageColumnEdge[] = [];
const columnProblems = new Map<string, string>();
let pickedColumn: string | undefined;
let scene: Scene | undefined;
/** The graph area on screen; its size always follows from `viewScale` and the panel's size (see apply). */
let view: View = { x: 0, y: 0, w: 1, h: 1 };
/** Screen pixels per graph unit: what the person sees, kept across panel resizes. */
let viewScale = 1;
/** Once the person has done something here (panned, zoomed, selected...), nothing moves the view but them. */
let settled = false;
/** What to keep in place across the next layout: a node and where it was, in graph units. */
let anchor: { id: string; x: number; y: number } | undefined;
let centreOnFocus = true;
/** A column to trace once the columns it needs have arrived. */
let pendingPick: { id: string; column: string } | undefined;
/** A node the search asked for that the next layout will draw: reveal it then. */
let pendingReveal: string | undefined;

/** Timings and counts the UI tests and the benchmark read (window.lineageStats). */
const stats = {
  layoutThread: 'worker' as 'worker' | 'main',
  lastLayout: { nodes: 0, edges: 0, layoutMs: 0, workerMs: 0, paintMs: 0, dummies: 0, crossings: 0 },
  layouts: [] as Array<{ nodes: number; layoutMs: number; paintMs: number }>,
  frames: [] as number[],
  frameWork: [] as number[],
  render: renderer.stats,
};
(window as unknown as { lineageStats: typeof stats }).lineageStats = stats;

// ---------- layout, off the UI thread ----------

let worker: Worker | undefined;
try {
  worker = new Worker(URL.createObjectURL(new Blob([LAYOUT_WORKER_SOURCE], { type: 'text/javascript' })));
} catch {
  worker = undefined;
}
let layoutId = 0;
const waiting = new Map<number, (out: LayoutOutput) => void>();
worker?.addEventListener('message', (e: MessageEvent<{ id: number; output: LayoutOutput }>) => {
  waiting.get(e.data.id)?.(e.data.output);
  waiting.delete(e.data.id);
});
worker?.addEventListener('error', () => {
  // A webview that refuses workers: lay out here instead (the view still works, just less smoothly).
  worker = undefined;
  stats.layoutThread = 'main';
  for (const [id, resolve] of waiting) resolve(layout(pendingInputs.get(id)!));
  waiting.clear();
});
const pendingInputs = new Map<number, LayoutInput>();

function layoutOffThread(input: LayoutInput): Promise<LayoutOutput> {
  const id = ++layoutId;
  if (!worker) {
    stats.layoutThread = 'main';
    return Promise.resolve(layout(input));
  }
  pendingInputs.set(id, input);
  return new Promise((resolve) => {
    waiting.set(id, (out) => {
      pendingInputs.delete(id);
      resolve(out);
    });
    worker!.postMessage({ id, input });
  });
}

// ---------- what to draw ----------

function groups(): string[] {
  const all = new Set<string>();
  for (const n of known.nodes.values()) all.add(groupOf(n));
  const list = [...all];
  if (layered) return list.sort((a, b) => rankOf(a) - rankOf(b) || a.localeCompare(b));
  return list.sort();
}
const rankOf = (group: string): number => {
  const i = layerOrder.indexOf(group);
  return i < 0 ? layerOrder.length + (group === 'seed' ? 0 : 1) : i;
};
const groupOf = (n: LineageNode): string => n.group ?? n.layer ?? 'other';

function colourClass(group: string): string {
  if (layered && MEDALLION.includes(group)) return `c-${group}`;
  const i = groups().indexOf(group);
  return `c${i < 0 ? 9 : i % 10}`;
}

function labelOf(d: DrawnNode): string {
  if (d.kind === 'more') return `+${d.count} more`;
  const n = d.node!;
  return `${ICON[n.resourceType === 'model' ? n.materialized : n.resourceType] ?? '•'} ${n.name}`;
}

function columnsShown(id: string, drawnCount: number): boolean {
  if (!columnMode) return false;
  if (drawnCount <= COLUMNS_UP_TO) return true;
  return id === selected || (selected !== undefined && ((known.parents.get(selected) ?? []).includes(id) || (known.children.get(selected) ?? []).includes(id)));
}

function titleOf(d: DrawnNode): string {
  if (d.kind === 'more') return `${d.count} more ${d.direction === 'down' ? 'children' : 'parents'} of ${known.nodes.get(d.owner!)?.name ?? ''}: click to show them all`;
  const n = d.node!;
  const status = statuses[n.id];
  return `${n.name} — ${n.resourceType}${n.layer ? ` · ${n.layer}` : n.group ? ` · ${n.group}` : ''} · ${n.materialized}${status ? `\nlast run: ${status}` : ''}${n.file ? `\n${n.file}` : ''}`;
}

async function relayout(): Promise<void> {
  const started = performance.now();
  const drawn = drawnGraph(known, state);
  const count = drawn.nodes.filter((d) => d.kind === 'node').length;
  const placed = new Map<string, Omit<Placed, 'x' | 'y'>>();
  for (const d of drawn.nodes) {
    const label = labelOf(d);
    let columns: Placed['columns'];
    if (d.kind === 'node' && columnsShown(d.id, count)) {
      const problem = columnProblems.get(d.id);
      columns = (d.node!.columns ?? []).map((c) => ({ name: c.name, ...(c.type ? { note: c.type } : {}) }));
      if (problem && columns.length === 0) columns = [{ name: '(columns unknown)', note: '⚠' }];
    }
    const longest = Math.max(label.length, ...(columns ?? []).map((c) => c.name.length + (c.note ? c.note.length + 3 : 0)));
    const w = d.kind === 'more' ? 150 : Math.min(440, Math.max(d.kind === 'test' ? 120 : 150, longest * 7.6 + (d.kind === 'test' ? 30 : 58)));
    const h = d.kind === 'more' ? 30 : d.kind === 'test' ? 28 : HEADER + (columns ? columns.length * ROW + 4 : 0);
    placed.set(d.id, { id: d.id, w, h, drawn: d, label, ...(columns ? { columns } : {}), colour: d.kind === 'more' ? 'c-more' : d.kind === 'test' ? 'c-test' : colourClass(groupOf(d.node!)), title: titleOf(d) });
  }
  const input: LayoutInput = { nodes: [...placed.values()].map((p) => ({ id: p.id, width: p.w, height: p.h })), edges: drawn.edges };
  const out = await layoutOffThread(input);
  const laidOut = performance.now();
  const nodes: Placed[] = [...placed.values()].map((p) => ({ ...p, x: out.positions[p.id]!.x, y: out.positions[p.id]!.y }));
  const bridged = new Set(drawn.edges.filter((e) => e.bridged).map((e) => `${e.from}→${e.to}`));
  const next: Scene = {
    nodes,
    byId: new Map(nodes.map((n) => [n.id, n])),
    edges: out.edges.map((e) => ({ from: e.from, to: e.to, d: curve(e.points), box: edgeBox(e.points), ...(bridged.has(`${e.from}→${e.to}`) ? { bridged: true } : {}) })),
    width: out.width,
    height: out.height,
  };
  const previous = scene;
  scene = next;
  renderer.setScene(next);
  placeView(previous);
  // A search jump waited for the layout that makes its node drawable.
  if (pendingReveal && next.byId.has(pendingReveal)) {
    const id = pendingReveal;
    pendingReveal = undefined;
    reveal(id);
    select(id);
  }
  renderer.setDecorations(decorations());
  updateDetails();
  info.textContent = `${count} of ${known.nodes.size} nodes${drawn.folded.size ? ` · ${drawn.folded.size} folded` : ''}`;
  stats.lastLayout = { nodes: nodes.length, edges: out.edges.length, layoutMs: laidOut - started, workerMs: out.stats.millis, paintMs: 0, dummies: out.stats.dummies, crossings: out.stats.crossings };
  // Painted: the frame after this one has started, so this one is on screen.
  requestAnimationFrame(() =>
    setTimeout(() => {
      stats.lastLayout.paintMs = performance.now() - (pendingSince ?? started);
      stats.layouts.push({ nodes: nodes.length, layoutMs: stats.lastLayout.layoutMs, paintMs: stats.lastLayout.paintMs });
      pendingSince = undefined;
      report();
    }, 0),
  );
}

/** When the data that led to the next paint arrived (for first-paint timing). */
let pendingSince: number | undefined;

function report(): void {
  const drawnNodes = scene?.nodes.filter((p) => p.drawn.kind === 'node') ?? [];
  vscode.postMessage({
    type: 'rendered',
    nodes: drawnNodes.map((p) => p.drawn.node!.name),
    statuses: Object.fromEntries(drawnNodes.filter((p) => statuses[p.id]).map((p) => [p.drawn.node!.name, statuses[p.id]])),
    folds: scene?.nodes.filter((p) => p.drawn.kind === 'more').map((p) => `${known.nodes.get(p.drawn.owner!)?.name ?? ''} ${p.drawn.direction} +${p.drawn.count}`) ?? [],
    selected: selected ? known.nodes.get(selected)?.name : undefined,
    trace: pickedColumn ? traceNames() : undefined,
    columns: columnMode ? { edges: columnEdges.length, problems: [...columnProblems.values()] } : undefined,
    layout: stats.lastLayout,
    layoutThread: stats.layoutThread,
  });
}

function decorations(): Decorations {
  const d: Decorations = { focus: state.focus, statuses, ...(selected ? { selected } : {}) };
  if (pickedColumn) {
    const trace = traceColumn(pickedColumn);
    d.trace = { cells: trace.cells, selected: pickedColumn, edges: trace.edges };
    d.related = new Set([...trace.cells].map((c) => c.slice(0, c.indexOf('|'))));
  } else if (selected && scene?.byId.has(selected)) d.related = lineageOf(selected);
  return d;
}

/** The selected node with everything drawn upstream and downstream of it. */
function lineageOf(id: string): Set<string> {
  const out = new Set([id]);
  const edges = scene?.edges ?? [];
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const e of edges) {
    (children.get(e.from) ?? children.set(e.from, []).get(e.from)!).push(e.to);
    (parents.get(e.to) ?? parents.set(e.to, []).get(e.to)!).push(e.from);
  }
  for (const map of [parents, children]) {
    const stack = [id];
    while (stack.length) for (const n of map.get(stack.pop()!) ?? []) if (!out.has(n)) (out.add(n), stack.push(n));
  }
  return out;
}

/** A column's trace: every column it comes from and every column made from it, across models. */
function traceColumn(cell: string): { cells: Set<string>; edges: Array<{ from: string; fromColumn: string; to: string; toColumn: string; exact: boolean }> } {
  const key = (node: string, column: string): string => `${node}|${column.toLowerCase()}`;
  const start = cell.slice(0, cell.indexOf('|'));
  const column = cell.slice(cell.indexOf('|') + 1);
  const cells = new Set<string>();
  const edges: Array<{ from: string; fromColumn: string; to: string; toColumn: string; exact: boolean }> = [];
  const lower = new Set([key(start, column)]);
  const names = new Map([[key(start, column), cell]]);
  for (const forward of [true, false]) {
    const stack = [key(start, column)];
    const seen = new Set(stack);
    while (stack.length) {
      const at = stack.pop()!;
      for (const e of columnEdges) {
        const from = key(e.from.node, e.from.column);
        const to = key(e.to.node, e.to.column);
        const [here, there, thereNode, thereColumn] = forward ? [from, to, e.to.node, e.to.column] : [to, from, e.from.node, e.from.column];
        if (here !== at) continue;
        edges.push({ from: e.from.node, fromColumn: e.from.column, to: e.to.node, toColumn: e.to.column, exact: e.exact === true });
        lower.add(there);
        names.set(there, `${thereNode}|${thereColumn}`);
        if (!seen.has(there)) (seen.add(there), stack.push(there));
      }
    }
  }
  for (const k of lower) cells.add(names.get(k)!);
  return { cells, edges };
}

function traceNames(): string[] {
  const trace = traceColumn(pickedColumn!);
  return [...trace.cells].map((c) => `${known.nodes.get(c.slice(0, c.indexOf('|')))?.name}.${c.slice(c.indexOf('|') + 1)}`).sort();
}

// ---------- the view (zoom and pan) ----------

/**
 * Shows the view at `viewScale` from its top-left corner, sized to the panel as it is now. The
 * scale is never read back from the view box: the panel may have been resized since the box was
 * computed (the ResizeObserver hears of it only at the next frame), and a layout, a key or a pan
 * frame landing in between would turn that into a smaller scale, with labels too small to read.
 */
function apply(): void {
  // Hidden (no size): the ResizeObserver applies the view once the panel has room again.
  if (root.clientWidth === 0) return;
  view = { x: view.x, y: view.y, w: root.clientWidth / viewScale, h: root.clientHeight / viewScale };
  renderer.setView(view, viewScale);
}

function centreOn(cx: number, cy: number, s: number): void {
  viewScale = s;
  view = { ...view, x: cx - root.clientWidth / s / 2, y: cy - root.clientHeight / s / 2 };
  apply();
}

function fit(): void {
  if (!scene || root.clientWidth === 0) return;
  const s = Math.min(root.clientWidth / Math.max(1, scene.width), root.clientHeight / Math.max(1, scene.height), 1.25);
  centreOn(scene.width / 2, scene.height / 2, s);
}

/** The whole graph when its labels stay readable, else readable around the focus. */
function initialView(): void {
  if (!scene || root.clientWidth === 0) return;
  const fitScale = Math.min(root.clientWidth / Math.max(1, scene.width), root.clientHeight / Math.max(1, scene.height));
  const focus = scene.byId.get(state.focus);
  if (fitScale >= READABLE || !focus) fit();
  else centreOn(focus.x, focus.y, 1);
}

/** After a new layout: the first one (or a new focus) starts at the initial view; later ones keep the anchor where it was. */
function placeView(previous: Scene | undefined): void {
  if (!scene) return;
  if (!previous || centreOnFocus) {
    centreOnFocus = false;
    settled = false;
    anchor = undefined;
    initialView();
    return;
  }
  const a = anchor ?? anchorFor(previous);
  anchor = undefined;
  const now = a && scene.byId.get(a.id);
  if (a && now) {
    view = { ...view, x: view.x + (now.x - a.x), y: view.y + (now.y - a.y) };
    apply();
  } else if (!settled) initialView();
  else apply();
}

/** The node to hold still: the selection if drawn, else the focus. */
function anchorFor(previous: Scene): { id: string; x: number; y: number } | undefined {
  for (const id of [selected, state.focus]) {
    const p = id ? previous.byId.get(id) : undefined;
    if (p) return { id: p.id, x: p.x, y: p.y };
  }
  return undefined;
}

function hold(id: string): void {
  const p = scene?.byId.get(id);
  anchor = p ? { id, x: p.x, y: p.y } : undefined;
}

function zoom(factor: number, px = root.clientWidth / 2, py = root.clientHeight / 2): void {
  settled = true;
  const s = Math.min(4, Math.max(0.01, viewScale * factor));
  // The graph point under (px, py) stays there.
  const gx = view.x + px / viewScale;
  const gy = view.y + py / viewScale;
  viewScale = s;
  view = { ...view, x: gx - px / s, y: gy - py / s };
  apply();
}

/** Pans as little as needed to have a node wholly in view (its top first when taller than the view). */
function ensureVisible(id: string): void {
  const p = scene?.byId.get(id);
  if (!p) return;
  const margin = 12 / viewScale;
  const left = p.x - p.w / 2 - margin;
  const right = p.x + p.w / 2 + margin;
  const top = p.y - p.h / 2 - margin;
  const bottom = p.y + p.h / 2 + margin;
  const w = root.clientWidth / viewScale;
  const h = root.clientHeight / viewScale;
  let { x, y } = view;
  if (right > x + w) x = right - w;
  if (left < x) x = left;
  if (bottom > y + h) y = bottom - h;
  if (top < y) y = top;
  if (x === view.x && y === view.y) return;
  settled = true;
  view = { ...view, x, y };
  apply();
}

/** Moves the view so a node is in it (the search asked for it); the scale stays unless unreadable. */
function reveal(id: string): void {
  const p = scene?.byId.get(id);
  if (!p) return;
  settled = true;
  centreOn(p.x, p.y, Math.max(viewScale, 1));
}

// Panning: pointer moves are applied once per frame; frame intervals are recorded while panning.
let drag: { x: number; y: number; view: View } | undefined;
let dragged = false;
let panFrame: number | undefined;
let lastFrameAt: number | undefined;
let pendingPan: View | undefined;
root.addEventListener('pointerdown', (ev) => {
  if (ev.button !== 0) return;
  closeMenu();
  drag = { x: ev.clientX, y: ev.clientY, view: { ...view } };
  dragged = false;
});
root.addEventListener('pointermove', (ev) => {
  if (!drag) return;
  const dx = ev.clientX - drag.x;
  const dy = ev.clientY - drag.y;
  if (!dragged && Math.hypot(dx, dy) < 4) return;
  if (!dragged) {
    root.setPointerCapture(ev.pointerId);
    // Frame times while panning: a frame is requested every frame, so the intervals are what drawing costs.
    lastFrameAt = undefined;
    const tick = (at: number): void => {
      if (!drag) return;
      if (lastFrameAt !== undefined) stats.frames.push(at - lastFrameAt);
      lastFrameAt = at;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
  dragged = true;
  settled = true;
  root.classList.add('panning');
  pendingPan = { ...drag.view, x: drag.view.x - dx / viewScale, y: drag.view.y - dy / viewScale };
  panFrame ??= requestAnimationFrame(() => {
    panFrame = undefined;
    const t = performance.now();
    if (pendingPan) view = { ...view, x: pendingPan.x, y: pendingPan.y };
    apply();
    stats.frameWork.push(performance.now() - t);
  });
});
const endDrag = (ev: PointerEvent): void => {
  drag = undefined;
  lastFrameAt = undefined;
  root.classList.remove('panning');
  if (root.hasPointerCapture(ev.pointerId)) root.releasePointerCapture(ev.pointerId);
  setTimeout(() => (dragged = false), 0);
};
root.addEventListener('pointerup', endDrag);
// Keyboard focus on a node brings it into view by panning; the browser's own scrolling of the
// (overflow: hidden) container would shift everything under the pointer instead.
root.addEventListener('scroll', () => {
  root.scrollTop = 0;
  root.scrollLeft = 0;
});
root.addEventListener('focusin', (ev) => {
  const id = (ev.target as Element).closest<SVGGElement>('g.node')?.dataset.id;
  if (id) ensureVisible(id);
});
root.addEventListener('pointercancel', endDrag);
root.addEventListener(
  'wheel',
  (ev) => {
    ev.preventDefault();
    const rect = root.getBoundingClientRect();
    zoom(Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)), ev.clientX - rect.left, ev.clientY - rect.top);
  },
  { passive: false },
);
// The panel or the details pane changed size: before the person settled in, the initial view
// follows; after, the scale and the top-left corner stay, so what was on screen stays put.
new ResizeObserver(() => {
  if (root.clientWidth === 0 || !scene) return;
  if (!settled) return initialView();
  apply();
}).observe(root);

// ---------- selection, focus, handles, the node menu ----------

function nodeTarget(ev: Event): { g: SVGGElement; id: string } | undefined {
  const g = (ev.target as Element).closest<SVGGElement>('g.node');
  return g?.dataset.id ? { g, id: g.dataset.id } : undefined;
}

function select(id: string | undefined): void {
  settled = true;
  selected = id;
  pickedColumn = undefined;
  renderer.setDecorations(decorations());
  updateDetails();
  if (id && !known.nodes.get(id)?.relation && known.nodes.get(id)?.resourceType !== 'exposure') vscode.postMessage({ type: 'details', id });
  report();
}

function focusOn(id: string): void {
  if (!known.nodes.has(id)) return;
  vscode.postMessage({ type: 'focus', id });
}

function unfold(moreId: string): void {
  settled = true;
  const p = scene?.byId.get(moreId);
  if (!p || p.drawn.kind !== 'more') return;
  state.unfolded.add(foldKey(p.drawn.owner!, p.drawn.direction!));
  hold(p.drawn.owner!);
  void relayout();
}

function handle(id: string, side: Direction, action: string): void {
  settled = true;
  const key = foldKey(id, side);
  hold(id);
  if (action === 'collapse') {
    state.collapsed.add(key);
    state.expanded.delete(key);
    void relayout();
    return;
  }
  state.collapsed.delete(key);
  state.expanded.add(key);
  const node = known.nodes.get(id);
  const have = (side === 'down' ? known.children : known.parents).get(id)?.length ?? 0;
  const total = side === 'down' ? node?.children : node?.parents;
  // Neighbours the view has not been sent yet come from the server first.
  if (total !== undefined && have < total) vscode.postMessage({ type: 'expand', id, direction: side });
  else void relayout();
}

root.addEventListener('click', (ev) => {
  if (dragged) return;
  const target = nodeTarget(ev);
  if (!target) {
    if (selected) select(undefined);
    return;
  }
  const handleEl = (ev.target as Element).closest<SVGGElement>('g.handle');
  if (handleEl) return handle(target.id, handleEl.dataset.side as Direction, handleEl.dataset.action!);
  const p = scene?.byId.get(target.id);
  if (p?.drawn.kind === 'more') return unfold(target.id);
  const column = (ev.target as Element).closest<SVGGElement>('g.column');
  if (column?.dataset.column && p) return pickColumn(target.id, column.dataset.column);
  select(p?.drawn.kind === 'test' ? p.drawn.node!.id : target.id);
});
root.addEventListener('dblclick', (ev) => {
  const target = nodeTarget(ev);
  const p = target && scene?.byId.get(target.id);
  if (p?.drawn.kind === 'node') focusOn(target!.id);
});
root.addEventListener('keydown', (ev) => {
  const target = nodeTarget(ev);
  if (!target) return;
  const p = scene?.byId.get(target.id);
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && p?.drawn.kind === 'node') focusOn(target.id);
  else if (ev.key === 'Enter' && p?.drawn.kind === 'more') unfold(target.id);
  else if (ev.key === 'Enter') select(target.id);
  else if ((ev.key === 'F10' && ev.shiftKey) || ev.key === 'ContextMenu') {
    ev.preventDefault();
    const box = target.g.getBoundingClientRect();
    openMenu(target.id, box.left + 10, box.bottom);
  }
});
root.addEventListener('contextmenu', (ev) => {
  ev.preventDefault();
  const target = nodeTarget(ev);
  const p = target && scene?.byId.get(target.id);
  if (p?.drawn.kind === 'node') openMenu(target!.id, ev.clientX, ev.clientY);
  else closeMenu();
});

const MENU: Array<[string, string] | null> = [
  ['open', 'Open'],
  ['run', 'Run'],
  ['runUpstream', 'Run with upstream'],
  ['runDownstream', 'Run downstream'],
  ['test', 'Test'],
  ['compile', 'Compile'],
  ['preview', 'Preview'],
  null,
  ['columns', 'Show column lineage'],
  ['focus', 'Focus here'],
];

function openMenu(id: string, x: number, y: number): void {
  select(id);
  const node = known.nodes.get(id)!;
  const runnable = node.resourceType === 'model' || node.resourceType === 'seed' || node.resourceType === 'snapshot';
  menu.replaceChildren();
  for (const item of MENU) {
    if (!item) {
      menu.appendChild(Object.assign(document.createElement('div'), { className: 'separator' }));
      continue;
    }
    const [command, text] = item;
    const enabled = command === 'open' || command === 'focus' || command === 'columns' || (command === 'preview' && node.resourceType !== 'exposure') || (runnable && (command !== 'compile' || node.resourceType !== 'seed'));
    const entry = document.createElement('button');
    entry.className = 'menu-item';
    entry.textContent = text;
    entry.dataset.command = command;
    entry.disabled = !enabled;
    entry.addEventListener('click', () => {
      closeMenu();
      menuCommand(id, command);
    });
    menu.appendChild(entry);
  }
  menu.style.left = `${Math.min(x, window.innerWidth - 220)}px`;
  menu.style.top = `${Math.min(y, window.innerHeight - 300)}px`;
  menu.hidden = false;
  menu.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
}

function closeMenu(): void {
  menu.hidden = true;
}

menu.addEventListener('keydown', (ev) => {
  const items = Array.from(menu.querySelectorAll<HTMLButtonElement>('button:not([disabled])'));
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  if (ev.key === 'ArrowDown') items[(at + 1) % items.length]?.focus();
  else if (ev.key === 'ArrowUp') items[(at - 1 + items.length) % items.length]?.focus();
  else if (ev.key === 'Escape') closeMenu();
  else return;
  ev.preventDefault();
});

function menuCommand(id: string, command: string): void {
  if (command === 'focus') return focusOn(id);
  if (command === 'columns') return showColumns(id);
  vscode.postMessage({ type: 'command', command, id });
}

// ---------- columns ----------

function showColumns(id?: string): void {
  columnMode = true;
  document.getElementById('columns')!.classList.add('on');
  if (id) selected = id;
  const ids = scene?.nodes.filter((p) => p.drawn.kind === 'node').map((p) => p.id) ?? [];
  const wanted = ids.length <= COLUMNS_UP_TO || !selected ? ids.slice(0, COLUMNS_UP_TO) : [selected, ...(known.parents.get(selected) ?? []), ...(known.children.get(selected) ?? [])];
  if (id) hold(id);
  vscode.postMessage({ type: 'columns', ids: wanted });
}

function pickColumn(id: string, column: string): void {
  if (column === '(columns unknown)') return;
  settled = true;
  selected = id;
  pickedColumn = `${id}|${column}`;
  renderer.setDecorations(decorations());
  updateDetails();
  report();
}

// ---------- details pane ----------

function line(parent: HTMLElement, label: string, value: string | undefined): void {
  if (!value) return;
  const row = document.createElement('div');
  row.className = 'row';
  const k = document.createElement('span');
  k.className = 'key';
  k.textContent = label;
  const v = document.createElement('span');
  v.textContent = value;
  row.append(k, v);
  parent.appendChild(row);
}

function updateDetails(): void {
  const node = selected ? known.nodes.get(selected) : undefined;
  if (!node) {
    details.hidden = true;
    return;
  }
  details.hidden = false;
  details.replaceChildren();
  const head = document.createElement('h3');
  head.textContent = node.name;
  details.appendChild(head);
  line(details, 'type', node.resourceType === 'model' ? `model · ${node.materialized}` : node.resourceType);
  line(details, layered ? 'layer' : 'folder', layered ? (node.layer ?? 'none') : node.folder);
  line(details, 'relation', node.relation);
  line(details, 'file', node.file);
  line(details, 'last run', statuses[node.id]);
  line(details, 'lineage', node.parents !== undefined ? `${node.parents} parents · ${node.children} children` : undefined);
  if (node.description) {
    const p = document.createElement('p');
    p.textContent = node.description;
    details.appendChild(p);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  for (const [command, text] of [['open', 'Open'], ['focus', 'Focus'], ['columns', 'Columns']] as const) {
    const b = document.createElement('button');
    b.textContent = text;
    b.addEventListener('click', () => menuCommand(node.id, command));
    actions.appendChild(b);
  }
  details.appendChild(actions);
  if (pickedColumn && pickedColumn.startsWith(`${node.id}|`)) {
    const column = pickedColumn.slice(node.id.length + 1);
    const h = document.createElement('h4');
    h.textContent = `column ${column}`;
    details.appendChild(h);
    const trace = traceColumn(pickedColumn);
    const names = traceNames();
    line(details, 'trace', `${names.length} columns in ${new Set([...trace.cells].map((c) => c.slice(0, c.indexOf('|')))).size} nodes`);
    const list = document.createElement('ul');
    for (const n of names) list.appendChild(Object.assign(document.createElement('li'), { textContent: n }));
    details.appendChild(list);
    if (trace.edges.some((e) => !e.exact)) {
      const note = document.createElement('p');
      note.className = 'note';
      note.textContent = 'Not exact: read from the compiled SQL (best effort); dashed links.';
      details.appendChild(note);
    }
  }
  const columns = node.columns ?? [];
  if (columns.length > 0 && !pickedColumn) {
    const h = document.createElement('h4');
    h.textContent = `columns (${columns.length})`;
    details.appendChild(h);
    const list = document.createElement('ul');
    for (const c of columns) {
      const li = document.createElement('li');
      li.textContent = `${c.name}${c.type ? ` · ${c.type}` : ''}${c.description ? ` — ${c.description}` : ''}`;
      list.appendChild(li);
    }
    details.appendChild(list);
  }
  const tests = node.tests ?? [];
  if (tests.length > 0) {
    const h = document.createElement('h4');
    h.textContent = `tests (${tests.length})`;
    details.appendChild(h);
    const list = document.createElement('ul');
    list.className = 'tests';
    for (const t of tests) {
      const li = document.createElement('li');
      const status = statuses[t.id];
      li.className = status ? `status-${status}` : '';
      li.textContent = `${status ? `${status} · ` : ''}${t.name}`;
      list.appendChild(li);
    }
    details.appendChild(list);
  }
}

// ---------- header: search, direction, filters, legend ----------

function jump(query: string): void {
  const q = query.trim().toLowerCase();
  if (!q) return;
  const all = [...known.nodes.values()];
  const hit = all.find((n) => n.name.toLowerCase() === q) ?? all.find((n) => n.name.toLowerCase().includes(q));
  if (!hit) {
    search.setCustomValidity('not in this graph');
    search.reportValidity();
    return;
  }
  search.setCustomValidity('');
  if (scene?.byId.has(hit.id)) {
    select(hit.id);
    reveal(hit.id);
    return;
  }
  // Not drawn: make it drawable (unfold what folds it, lift a filter hiding it, show its side), then jump.
  const drawn = drawnGraph(known, state);
  const fold = drawn.folded.get(hit.id);
  if (fold) state.unfolded.add(fold.slice('more:'.length));
  state.hiddenGroups.delete(groupOf(hit));
  state.hiddenTypes.delete(hit.resourceType);
  if (hit.depth < 0 && state.directions === 'down') state.directions = 'both';
  if (hit.depth > 0 && state.directions === 'up') state.directions = 'both';
  for (const key of [...state.collapsed]) state.collapsed.delete(key);
  selected = hit.id;
  pendingReveal = hit.id;
  syncControls();
  void relayout();
}

/** What Enter just jumped to: the change event that follows the same Enter must not jump (and lay out) twice. */
let jumpedByEnter: string | undefined;
search.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') {
    jumpedByEnter = search.value;
    jump(search.value);
  }
  if (ev.key === 'Escape') search.blur();
});
search.addEventListener('input', () => (jumpedByEnter = undefined));
// A name picked from the list (or typed, then the box left) without Enter.
search.addEventListener('change', () => {
  if (search.value !== jumpedByEnter) jump(search.value);
  jumpedByEnter = undefined;
});

for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-directions]'))) {
  b.addEventListener('click', () => {
    state.directions = b.dataset.directions as Directions;
    syncControls();
    void relayout();
  });
}

function syncControls(): void {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-directions]'))) b.classList.toggle('on', b.dataset.directions === state.directions);
  document.getElementById('unfold-all')!.classList.toggle('on', state.unfoldAll);
  document.getElementById('columns')!.classList.toggle('on', columnMode);
  buildFilters();
}

function buildFilters(): void {
  filters.replaceChildren();
  const counts = new Map<string, number>();
  const types = new Map<string, number>();
  for (const n of known.nodes.values()) {
    counts.set(groupOf(n), (counts.get(groupOf(n)) ?? 0) + 1);
    types.set(n.resourceType, (types.get(n.resourceType) ?? 0) + 1);
  }
  const testCount = [...known.nodes.values()].reduce((k, n) => k + (n.tests?.length ?? 0), 0);
  const box = (label: string, count: number, checked: boolean, onChange: (on: boolean) => void, swatch?: string): void => {
    const row = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = checked;
    input.addEventListener('change', () => {
      onChange(input.checked);
      void relayout();
    });
    row.appendChild(input);
    if (swatch) row.appendChild(Object.assign(document.createElement('span'), { className: `swatch ${swatch}` }));
    row.appendChild(document.createTextNode(` ${label} (${count})`));
    filters.appendChild(row);
  };
  const heading = (text: string): void => void filters.appendChild(Object.assign(document.createElement('h4'), { textContent: text }));
  heading(layered ? 'Layers' : 'Folders');
  for (const g of groups()) box(g, counts.get(g) ?? 0, !state.hiddenGroups.has(g), (on) => (on ? state.hiddenGroups.delete(g) : state.hiddenGroups.add(g)), colourClass(g));
  heading('Resource types');
  for (const t of ['model', 'seed', 'snapshot', 'source', 'exposure']) {
    if (!types.has(t)) continue;
    box(`${t}s`, types.get(t)!, !state.hiddenTypes.has(t), (on) => (on ? state.hiddenTypes.delete(t) : state.hiddenTypes.add(t)));
  }
  box('tests', testCount, state.tests, (on) => (state.tests = on));
  buildLegend();
}

function buildLegend(): void {
  legend.replaceChildren();
  const label = (text: string): void => void legend.appendChild(Object.assign(document.createElement('b'), { textContent: text }));
  const entry = (swatch: string, text: string): void => {
    const item = document.createElement('span');
    item.appendChild(Object.assign(document.createElement('span'), { className: `swatch ${swatch}` }));
    item.appendChild(document.createTextNode(` ${text}`));
    legend.appendChild(item);
  };
  label(layered ? 'Layers' : 'Folders');
  for (const g of groups()) entry(colourClass(g), g);
  label('Last run');
  entry('status-success', 'ok');
  entry('status-error', 'failed');
  entry('status-skipped', 'skipped');
  label('Links');
  entry('bridged', 'through hidden nodes');
  entry('inexact', 'column, not exact');
  legend.appendChild(Object.assign(document.createElement('span'), { textContent: '▦ table ◫ view ⇣ incremental ⛁ seed ◷ snapshot ⬚ source ◉ exposure' }));
}

document.getElementById('unfold-all')!.addEventListener('click', () => {
  state.unfoldAll = !state.unfoldAll;
  pendingSince = performance.now();
  syncControls();
  void relayout();
});
document.getElementById('columns')!.addEventListener('click', () => {
  if (columnMode) {
    columnMode = false;
    pickedColumn = undefined;
    syncControls();
    void relayout();
  } else showColumns(selected);
});
document.getElementById('legend-toggle')!.addEventListener('click', (ev) => {
  legend.hidden = !legend.hidden;
  (ev.currentTarget as HTMLElement).classList.toggle('on', !legend.hidden);
});
document.getElementById('filter-toggle')!.addEventListener('click', () => (filters.hidden = !filters.hidden));
document.getElementById('fit')!.addEventListener('click', () => {
  settled = true;
  fit();
});
document.getElementById('zoom-in')!.addEventListener('click', () => zoom(1.25));
document.getElementById('zoom-out')!.addEventListener('click', () => zoom(0.8));
for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-depth]'))) {
  b.addEventListener('click', () => vscode.postMessage({ type: 'depth', delta: Number(b.dataset.depth) }));
}
window.addEventListener('keydown', (ev) => {
  if ((ev.target as Element).closest('input')) return;
  if (ev.key === '+' || ev.key === '=') zoom(1.25);
  else if (ev.key === '-') zoom(0.8);
  else if (ev.key === '0') {
    settled = true;
    fit();
  } else if (ev.key === '/') {
    ev.preventDefault();
    search.focus();
  } else if (ev.key === 'Escape') {
    closeMenu();
    if (selected) select(undefined);
  }
});

// ---------- messages from the extension ----------

function applyStatuses(next: Record<string, string>): void {
  statuses = next;
  for (const n of known.nodes.values()) {
    if (next[n.id]) n.status = next[n.id]!;
    else delete n.status;
  }
}

window.addEventListener('message', (event: MessageEvent<Incoming>) => {
  const m = event.data;
  if (m?.type === 'graph') {
    pendingSince = performance.now();
    const fresh = m.fresh || m.focus !== state.focus;
    if (fresh) {
      known = emptyKnown();
      state.unfolded.clear();
      state.collapsed.clear();
      state.expanded.clear();
      state.unfoldAll = false;
      selected = undefined;
      pickedColumn = undefined;
      columnEdges = [];
      columnProblems.clear();
      centreOnFocus = true;
    }
    state.focus = m.focus ?? '';
    depth = m.depth;
    document.getElementById('depth')!.textContent = `depth ${depth}`;
    layered = m.layered;
    layerOrder = m.layers;
    learn(known, m.nodes, m.edges);
    applyStatuses(m.statuses);
    names.replaceChildren(...[...known.nodes.values()].map((n) => Object.assign(document.createElement('option'), { value: n.name })));
    syncControls();
    void relayout();
  } else if (m?.type === 'learn') {
    learn(known, m.nodes, m.edges);
    applyStatuses(statuses);
    hold(m.around);
    syncControls();
    void relayout();
  } else if (m?.type === 'statuses') {
    applyStatuses(m.statuses);
    renderer.setDecorations(decorations());
    updateDetails();
    report();
  } else if (m?.type === 'columns') {
    for (const n of m.nodes) {
      const k = known.nodes.get(n.id);
      if (k) k.columns = n.columns ?? [];
    }
    columnEdges = m.edges;
    columnProblems.clear();
    for (const p of m.problems) columnProblems.set(p.node, p.message);
    if (selected) hold(selected);
    void relayout().then(() => {
      // The person asked for this node's columns: it is in view.
      if (selected) ensureVisible(selected);
      if (!pendingPick) return;
      const { id, column } = pendingPick;
      pendingPick = undefined;
      pickColumn(id, column);
    });
  } else if (m?.type === 'details') {
    const k = known.nodes.get(m.node.id);
    if (k) Object.assign(k, { ...m.node, depth: k.depth, columns: k.columns ?? m.node.columns });
    updateDetails();
  } else if (m?.type === 'select') {
    // From the extension (a test, or a command): select a node, or one of its columns.
    const hit = [...known.nodes.values()].find((n) => n.name === m.name);
    if (!hit) return report();
    if (m.column && columnMode && hit.columns?.some((c) => c.name === m.column)) pickColumn(hit.id, m.column);
    else if (m.column) {
      // Columns first (the server traces them), then the pick.
      pendingPick = { id: hit.id, column: m.column };
      showColumns(hit.id);
    } else select(hit.id);
  } else if (m?.type === 'unfoldAll') {
    state.unfoldAll = true;
    pendingSince = performance.now();
    syncControls();
    void relayout();
  }
});

buildLegend();
// A narrow panel starts without the legend (the Legend button shows it).
if (root.clientWidth < 560) {
  legend.hidden = true;
  document.getElementById('legend-toggle')!.classList.remove('on');
}
vscode.postMessage({ type: 'ready' });
