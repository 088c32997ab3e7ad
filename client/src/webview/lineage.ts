/**
 * The lineage webview's script (runs in the webview, bundled for the browser): lays the graph out
 * with dagre, draws it as SVG themed by VS Code's colour variables, and talks to the extension by
 * messages only (open a node, change depth, report what it drew). Each node shows the status of
 * its last run (border and badge). Large graphs stay readable: the mouse wheel zooms about the
 * pointer, dragging pans, Fit (or 0) shows the whole graph, + and − zoom.
 */
import dagre from '@dagrejs/dagre';
import type { LineageNode } from '../../../server/src/lsp/protocol';

/** A node as drawn: the server's lineage node, with the status of its last run when known. */
type GraphNode = LineageNode & { status?: string };

interface GraphMessage {
  type: 'graph';
  focus: string | null;
  nodes: GraphNode[];
  edges: Array<{ from: string; to: string }>;
  depth: number;
}

interface View {
  x: number;
  y: number;
  w: number;
  h: number;
}

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
const vscode = acquireVsCodeApi();
const root = document.getElementById('graph')!;
const info = document.getElementById('info')!;
const SVG = 'http://www.w3.org/2000/svg';

const ICON: Record<string, string> = { table: '▦', view: '◫', incremental: '⇣', ephemeral: '◌', seed: '⛁', snapshot: '◷', source: '⬚' };
const BADGE: Record<string, string> = { success: '✓', pass: '✓', error: '✕', fail: '✕', warn: '!', skipped: '–', cancelled: '–', running: '…' };
/** Below this scale the initial view does not fit the whole graph (labels would be unreadable). */
const MIN_READABLE = 0.5;

let svg: SVGSVGElement | undefined;
let size = { width: 0, height: 0 };
let view: View = { x: 0, y: 0, w: 1, h: 1 };
let shownKey = '';
/** Panel pixels per graph unit when the view was last applied (kept across panel resizes). */
let pixelsPerUnit = 1;
/** The focus node's centre, for the initial view of a graph too large to read whole. */
let focusAt: { x: number; y: number } | undefined;
/** Until the user zooms or pans, the view is the initial one and follows the panel's size. */
let userMoved = false;

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Pixels of the panel per graph unit, for the current view. */
function scale(): number {
  return root.clientWidth / Math.max(1, view.w);
}

function apply(): void {
  if (!svg) return;
  svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  pixelsPerUnit = scale();
  svg.dataset.scale = pixelsPerUnit.toFixed(3);
}

/** A view of the given scale (panel pixels per graph unit) centred on a point. */
function viewAt(cx: number, cy: number, s: number): View {
  const w = root.clientWidth / s;
  const h = root.clientHeight / s;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

function fit(): void {
  const s = Math.min(root.clientWidth / Math.max(1, size.width), root.clientHeight / Math.max(1, size.height), 1.5);
  view = viewAt(size.width / 2, size.height / 2, s);
  apply();
}

/** The whole graph when it stays readable, else a readable scale centred on the focus node. */
function initialView(): void {
  const fitScale = Math.min(root.clientWidth / Math.max(1, size.width), root.clientHeight / Math.max(1, size.height));
  if (fitScale >= MIN_READABLE || !focusAt) fit();
  else {
    view = viewAt(focusAt.x, focusAt.y, 1);
    apply();
  }
}

function zoom(factor: number, px = root.clientWidth / 2, py = root.clientHeight / 2): void {
  userMoved = true;
  const s = Math.min(4, Math.max(0.05, scale() * factor));
  // Keep the graph point under (px, py) where it is.
  const gx = view.x + (px / root.clientWidth) * view.w;
  const gy = view.y + (py / root.clientHeight) * view.h;
  const w = root.clientWidth / s;
  const h = root.clientHeight / s;
  view = { x: gx - (px / root.clientWidth) * w, y: gy - (py / root.clientHeight) * h, w, h };
  apply();
}

function draw(msg: GraphMessage): void {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of msg.nodes) g.setNode(n.id, { width: Math.max(120, n.name.length * 7.2 + 58), height: 34 });
  for (const e of msg.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const laid = g.graph() as { width?: number; height?: number };
  size = { width: laid.width ?? 0, height: laid.height ?? 0 };
  const next = el('svg', { width: '100%', height: '100%', role: 'img', 'aria-label': 'lineage graph' });
  const layer = el('g', {});
  for (const e of g.edges()) {
    const points = g.edge(e).points as Array<{ x: number; y: number }>;
    layer.appendChild(el('path', { d: `M ${points.map((p) => `${p.x} ${p.y}`).join(' L ')}`, class: 'edge' }));
  }
  const byId = new Map(msg.nodes.map((n) => [n.id, n]));
  focusAt = undefined;
  for (const id of g.nodes()) {
    const n = byId.get(id)!;
    const box = g.node(id) as { x: number; y: number; width: number; height: number };
    if (id === msg.focus) focusAt = { x: box.x, y: box.y };
    const group = el('g', { class: `node layer-${n.layer ?? 'none'}${id === msg.focus ? ' focus' : ''}${n.status ? ` status-${n.status}` : ''}`, tabindex: 0, 'data-id': id, ...(n.status ? { 'data-status': n.status } : {}) });
    group.appendChild(el('rect', { x: box.x - box.width / 2, y: box.y - box.height / 2, width: box.width, height: box.height, rx: 6 }));
    const text = el('text', { x: box.x - box.width / 2 + 10, y: box.y + 4 });
    text.textContent = `${ICON[n.resourceType === 'model' ? n.materialized : n.resourceType] ?? '•'} ${n.name}`;
    group.appendChild(text);
    if (n.status) {
      const cx = box.x + box.width / 2 - 12;
      group.appendChild(el('circle', { cx, cy: box.y, r: 8, class: 'badge' }));
      const mark = el('text', { x: cx, y: box.y + 4, class: 'badge-text', 'text-anchor': 'middle' });
      mark.textContent = BADGE[n.status] ?? '?';
      group.appendChild(mark);
    }
    const title = el('title', {});
    title.textContent = `${n.name} — ${n.resourceType}${n.layer ? ` · ${n.layer}` : ''} · ${n.materialized}${n.status ? `\nlast run: ${n.status}` : ''}\n${n.file}`;
    group.appendChild(title);
    group.addEventListener('click', () => {
      if (!dragged) vscode.postMessage({ type: 'open', id, file: n.file });
    });
    group.addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter') vscode.postMessage({ type: 'open', id, file: n.file });
    });
    layer.appendChild(group);
  }
  next.appendChild(layer);
  root.replaceChildren(next);
  svg = next;
  // The same graph again (a run's statuses changed): keep the user's zoom and pan.
  const key = `${msg.focus}|${msg.nodes.map((n) => n.id).sort().join(',')}`;
  if (key !== shownKey) {
    shownKey = key;
    userMoved = false;
    initialView();
  } else if (userMoved) apply();
  else initialView();
  info.textContent = `${msg.nodes.length} nodes · depth ${msg.depth === 0 ? 'all' : msg.depth}`;
  vscode.postMessage({ type: 'rendered', nodes: msg.nodes.map((n) => n.name), statuses: Object.fromEntries(msg.nodes.filter((n) => n.status).map((n) => [n.name, n.status])) });
}

// Pan by dragging the background or a node; a drag is not a click.
let drag: { x: number; y: number; view: View } | undefined;
let dragged = false;
root.addEventListener('pointerdown', (ev) => {
  if (ev.button !== 0) return;
  drag = { x: ev.clientX, y: ev.clientY, view: { ...view } };
  dragged = false;
});
root.addEventListener('pointermove', (ev) => {
  if (!drag) return;
  const dx = ev.clientX - drag.x;
  const dy = ev.clientY - drag.y;
  if (!dragged && Math.hypot(dx, dy) < 4) return;
  if (!dragged) root.setPointerCapture(ev.pointerId);
  dragged = true;
  userMoved = true;
  root.classList.add('panning');
  const s = scale();
  view = { ...drag.view, x: drag.view.x - dx / s, y: drag.view.y - dy / s };
  apply();
});
const endDrag = (ev: PointerEvent): void => {
  drag = undefined;
  root.classList.remove('panning');
  if (root.hasPointerCapture(ev.pointerId)) root.releasePointerCapture(ev.pointerId);
  // `dragged` stays set until the click that ends this gesture has been seen.
  setTimeout(() => (dragged = false), 0);
};
root.addEventListener('pointerup', endDrag);
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
window.addEventListener('keydown', (ev) => {
  if (ev.key === '+' || ev.key === '=') zoom(1.25);
  else if (ev.key === '-') zoom(0.8);
  else if (ev.key === '0') {
    userMoved = true;
    fit();
  }
});
window.addEventListener('resize', () => {
  if (root.clientWidth === 0 || !svg) return;
  if (!userMoved) return initialView();
  view = viewAt(view.x + view.w / 2, view.y + view.h / 2, pixelsPerUnit);
  apply();
});

window.addEventListener('message', (event: MessageEvent<GraphMessage>) => {
  if (event.data?.type === 'graph') draw(event.data);
});
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-depth]'))) {
  button.addEventListener('click', () => vscode.postMessage({ type: 'depth', delta: Number(button.dataset.depth) }));
}
document.getElementById('fit')?.addEventListener('click', () => {
  userMoved = true;
  fit();
});
document.getElementById('zoom-in')?.addEventListener('click', () => zoom(1.25));
document.getElementById('zoom-out')?.addEventListener('click', () => zoom(0.8));
vscode.postMessage({ type: 'ready' });
