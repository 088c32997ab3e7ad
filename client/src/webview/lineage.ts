/**
 * The lineage webview's script (runs in the webview, bundled for the browser): lays the graph out
 * with dagre, draws it as SVG themed by VS Code's colour variables, and talks to the extension by
 * messages only (open a node, change depth, report what it drew).
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

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
const vscode = acquireVsCodeApi();
const root = document.getElementById('graph')!;
const info = document.getElementById('info')!;
const SVG = 'http://www.w3.org/2000/svg';

const ICON: Record<string, string> = { table: '▦', view: '◫', incremental: '⇣', ephemeral: '◌', seed: '⛁', snapshot: '◷', source: '⬚' };

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function draw(msg: GraphMessage): void {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of msg.nodes) g.setNode(n.id, { width: Math.max(120, n.name.length * 7.2 + 44), height: 34 });
  for (const e of msg.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const size = g.graph() as { width?: number; height?: number };
  // Fit the panel when the graph is small enough to stay readable; scroll beyond that.
  const width = size.width ?? 0;
  const height = size.height ?? 0;
  const fit = Math.min(1, Math.max(0.6, root.clientWidth / Math.max(1, width)));
  const svg = el('svg', { width: width * fit, height: height * fit, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'lineage graph' });
  for (const e of g.edges()) {
    const points = g.edge(e).points as Array<{ x: number; y: number }>;
    svg.appendChild(el('path', { d: `M ${points.map((p) => `${p.x} ${p.y}`).join(' L ')}`, class: 'edge' }));
  }
  const byId = new Map(msg.nodes.map((n) => [n.id, n]));
  for (const id of g.nodes()) {
    const n = byId.get(id)!;
    const box = g.node(id) as { x: number; y: number; width: number; height: number };
    const group = el('g', { class: `node layer-${n.layer ?? 'none'}${id === msg.focus ? ' focus' : ''}${n.status ? ` status-${n.status}` : ''}`, tabindex: 0, 'data-id': id });
    group.appendChild(el('rect', { x: box.x - box.width / 2, y: box.y - box.height / 2, width: box.width, height: box.height, rx: 6 }));
    const text = el('text', { x: box.x - box.width / 2 + 10, y: box.y + 4 });
    text.textContent = `${ICON[n.resourceType === 'model' ? n.materialized : n.resourceType] ?? '•'} ${n.name}`;
    group.appendChild(text);
    const title = el('title', {});
    title.textContent = `${n.name} — ${n.resourceType}${n.layer ? ` · ${n.layer}` : ''} · ${n.materialized}\n${n.file}`;
    group.appendChild(title);
    group.addEventListener('click', () => vscode.postMessage({ type: 'open', id, file: n.file }));
    group.addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter') vscode.postMessage({ type: 'open', id, file: n.file });
    });
    svg.appendChild(group);
  }
  root.replaceChildren(svg);
  info.textContent = `${msg.nodes.length} nodes · depth ${msg.depth === 0 ? 'all' : msg.depth}`;
  vscode.postMessage({ type: 'rendered', nodes: msg.nodes.map((n) => n.name) });
}

window.addEventListener('message', (event: MessageEvent<GraphMessage>) => {
  if (event.data?.type === 'graph') draw(event.data);
});
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-depth]'))) {
  button.addEventListener('click', () => vscode.postMessage({ type: 'depth', delta: Number(button.dataset.depth) }));
}
vscode.postMessage({ type: 'ready' });
