/**
 * Draws a laid-out lineage scene as SVG, keeping only what is near the view in the DOM: panning
 * moves the view box, and the drawn set is refreshed only when the view leaves the area drawn
 * around it. Below a readable scale nodes are drawn as plain boxes (labels would be illegible
 * anyway). Edges go into a few merged paths. Decorations (focus, selection, dimming, statuses,
 * a traced column) restyle what is drawn without a rebuild.
 */
import type { DrawnNode } from './lineage-model';

const SVG = 'http://www.w3.org/2000/svg';
/** Below this many screen pixels per graph unit, nodes lose their labels. */
export const LABEL_SCALE = 0.45;
export const HEADER = 34;
export const ROW = 20;

export interface Placed {
  id: string;
  /** Centre and size, in graph units. */
  x: number;
  y: number;
  w: number;
  h: number;
  drawn: DrawnNode;
  /** The label (icon and name) and, in column mode, the columns listed. */
  label: string;
  columns?: Array<{ name: string; note?: string }>;
  /** A CSS class for its colour group. */
  colour: string;
  title: string;
}

export interface SceneEdge {
  from: string;
  to: string;
  d: string;
  box: [number, number, number, number];
  bridged?: boolean;
}

export interface Scene {
  nodes: Placed[];
  byId: Map<string, Placed>;
  edges: SceneEdge[];
  width: number;
  height: number;
}

export interface Decorations {
  focus: string;
  selected?: string;
  /** When set, nodes outside it are dimmed (the selection's lineage, a traced column's nodes). */
  related?: Set<string>;
  statuses: Record<string, string>;
  /** A traced column: the cells (`node|column`) on its trace, the selected cell, and its edges. */
  trace?: { cells: Set<string>; selected: string; edges: Array<{ from: string; fromColumn: string; to: string; toColumn: string; exact: boolean }> };
}

export interface View {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface RenderStats {
  /** Nodes in the DOM now, and how many times the drawn set was rebuilt. */
  inDom: number;
  culls: number;
}

const BADGE: Record<string, string> = { success: '✓', pass: '✓', error: '✕', fail: '✕', warn: '!', skipped: '–', cancelled: '–', running: '…' };

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A smooth path through points (x,y pairs), leaving and entering each point horizontally. */
export function curve(points: number[]): string {
  let d = `M${points[0]!.toFixed(1)} ${points[1]!.toFixed(1)}`;
  for (let i = 2; i < points.length; i += 2) {
    const x0 = points[i - 2]!;
    const y0 = points[i - 1]!;
    const x1 = points[i]!;
    const y1 = points[i + 1]!;
    const dx = (x1 - x0) / 2;
    d += ` C${(x0 + dx).toFixed(1)} ${y0.toFixed(1)} ${(x1 - dx).toFixed(1)} ${y1.toFixed(1)} ${x1.toFixed(1)} ${y1.toFixed(1)}`;
  }
  return d;
}

export function edgeBox(points: number[]): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]!);
    maxX = Math.max(maxX, points[i]!);
    minY = Math.min(minY, points[i + 1]!);
    maxY = Math.max(maxY, points[i + 1]!);
  }
  return [minX, minY, maxX, maxY];
}

export class Renderer {
  readonly svg: SVGSVGElement;
  private readonly edgeLayer: SVGGElement;
  private readonly traceLayer: SVGGElement;
  private readonly nodeLayer: SVGGElement;
  private readonly paths: Record<'plain' | 'bridged' | 'lit' | 'dim', SVGPathElement>;
  private scene: Scene | undefined;
  private decorations: Decorations = { focus: '', statuses: {} };
  private readonly elements = new Map<string, SVGGElement>();
  /** The graph area drawn around the view, and at which level of detail. */
  private area: View | undefined;
  private detailed = true;
  readonly stats: RenderStats = { inDom: 0, culls: 0 };

  constructor(root: HTMLElement) {
    this.svg = el('svg', { width: '100%', height: '100%', role: 'img', 'aria-label': 'lineage graph' });
    this.edgeLayer = el('g', { class: 'edges' });
    this.traceLayer = el('g', { class: 'trace' });
    this.nodeLayer = el('g', { class: 'nodes' });
    this.paths = {
      plain: el('path', { class: 'edge' }),
      bridged: el('path', { class: 'edge bridged' }),
      dim: el('path', { class: 'edge dim' }),
      lit: el('path', { class: 'edge lit' }),
    };
    this.edgeLayer.append(this.paths.dim, this.paths.plain, this.paths.bridged, this.paths.lit);
    this.svg.append(this.edgeLayer, this.nodeLayer, this.traceLayer);
    root.replaceChildren(this.svg);
  }

  setScene(scene: Scene): void {
    this.scene = scene;
    this.area = undefined;
    for (const e of this.elements.values()) e.remove();
    this.elements.clear();
  }

  setDecorations(decorations: Decorations): void {
    this.decorations = decorations;
    for (const [id, e] of this.elements) this.decorate(e, this.scene!.byId.get(id)!);
    this.drawEdges();
    this.drawTrace();
  }

  /** Shows `view` at `scale` screen pixels per graph unit; redraws what is near it when needed. */
  setView(view: View, scale: number): void {
    this.svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
    this.svg.dataset.scale = scale.toFixed(3);
    const detailed = scale >= LABEL_SCALE;
    const a = this.area;
    const inside = a !== undefined && view.x >= a.x && view.y >= a.y && view.x + view.w <= a.x + a.w && view.y + view.h <= a.y + a.h;
    if (inside && detailed === this.detailed) return;
    if (detailed !== this.detailed) {
      for (const e of this.elements.values()) e.remove();
      this.elements.clear();
      this.detailed = detailed;
      this.svg.classList.toggle('overview', !detailed);
    }
    // Draw half a view beyond each side: most pans stay inside it.
    this.area = { x: view.x - view.w / 2, y: view.y - view.h / 2, w: view.w * 2, h: view.h * 2 };
    this.cull();
  }

  private cull(): void {
    const scene = this.scene;
    const a = this.area;
    if (!scene || !a) return;
    this.stats.culls++;
    const keep = new Set<string>();
    for (const p of scene.nodes) {
      if (p.x + p.w / 2 < a.x || p.x - p.w / 2 > a.x + a.w || p.y + p.h / 2 < a.y || p.y - p.h / 2 > a.y + a.h) continue;
      keep.add(p.id);
      if (!this.elements.has(p.id)) {
        const e = this.detailed ? this.nodeElement(p) : this.boxElement(p);
        this.decorate(e, p);
        this.elements.set(p.id, e);
        this.nodeLayer.appendChild(e);
      }
    }
    for (const [id, e] of this.elements) {
      if (keep.has(id)) continue;
      e.remove();
      this.elements.delete(id);
    }
    this.stats.inDom = this.elements.size;
    this.drawEdges();
    this.drawTrace();
  }

  private drawEdges(): void {
    const scene = this.scene;
    const a = this.area;
    if (!scene || !a) return;
    const related = this.decorations.related;
    const selected = this.decorations.selected;
    const d = { plain: [] as string[], bridged: [] as string[], lit: [] as string[], dim: [] as string[] };
    for (const e of scene.edges) {
      const [x0, y0, x1, y1] = e.box;
      if (x1 < a.x || x0 > a.x + a.w || y1 < a.y || y0 > a.y + a.h) continue;
      if (related && !(related.has(e.from) && related.has(e.to))) d.dim.push(e.d);
      else if (related && selected) d.lit.push(e.d);
      else (e.bridged ? d.bridged : d.plain).push(e.d);
    }
    for (const k of ['plain', 'bridged', 'lit', 'dim'] as const) this.paths[k].setAttribute('d', d[k].join(' '));
  }

  /** A traced column's edges, from the parent's row to the child's row. */
  private drawTrace(): void {
    this.traceLayer.replaceChildren();
    const trace = this.decorations.trace;
    const scene = this.scene;
    if (!trace || !scene || !this.detailed) return;
    for (const e of trace.edges) {
      const from = scene.byId.get(e.from);
      const to = scene.byId.get(e.to);
      const fy = from && rowY(from, e.fromColumn);
      const ty = to && rowY(to, e.toColumn);
      if (!from || !to || fy === undefined || ty === undefined) continue;
      const path = el('path', { class: `column-edge${e.exact ? '' : ' inexact'}`, d: curve([from.x + from.w / 2, fy, to.x - to.w / 2, ty]) });
      this.traceLayer.appendChild(path);
    }
  }

  private boxElement(p: Placed): SVGGElement {
    const g = el('g', { class: `node box ${p.colour}`, 'data-id': p.id });
    g.appendChild(el('rect', { x: p.x - p.w / 2, y: p.y - p.h / 2, width: p.w, height: p.h, rx: 6 }));
    return g;
  }

  private nodeElement(p: Placed): SVGGElement {
    const left = p.x - p.w / 2;
    const top = p.y - p.h / 2;
    const kind = p.drawn.kind;
    const g = el('g', { class: `node ${kind === 'node' ? '' : kind} ${p.colour}`, tabindex: 0, 'data-id': p.id, 'data-name': p.drawn.node?.name ?? '', role: 'button', 'aria-label': p.title.split('\n')[0]! });
    g.appendChild(el('rect', { class: 'frame', x: left, y: top, width: p.w, height: p.h, rx: 6 }));
    if (kind !== 'more') g.appendChild(el('rect', { class: 'stripe', x: left + 1, y: top + 1, width: 5, height: Math.min(p.h, HEADER) - 2, rx: 2 }));
    const label = el('text', { class: 'label', x: kind === 'more' ? p.x : left + 14, y: top + HEADER / 2 + 4.5, ...(kind === 'more' ? { 'text-anchor': 'middle' } : {}) });
    label.textContent = p.label;
    g.appendChild(label);
    const title = el('title');
    title.textContent = p.title;
    g.appendChild(title);
    (p.columns ?? []).forEach((c, i) => {
      const y = top + HEADER + i * ROW;
      const row = el('g', { class: 'column', 'data-column': c.name, tabindex: 0, role: 'button', 'aria-label': `column ${c.name}` });
      row.appendChild(el('rect', { class: 'column-row', x: left + 6, y, width: p.w - 12, height: ROW - 2, rx: 3 }));
      const text = el('text', { class: 'column-name', x: left + 14, y: y + ROW / 2 + 3.5 });
      text.textContent = c.name;
      row.appendChild(text);
      if (c.note) {
        const note = el('text', { class: 'column-note', x: left + p.w - 12, y: y + ROW / 2 + 3.5, 'text-anchor': 'end' });
        note.textContent = c.note;
        row.appendChild(note);
      }
      g.appendChild(row);
    });
    const handles = p.drawn.handles ?? {};
    for (const side of ['up', 'down'] as const) {
      const action = handles[side];
      if (!action) continue;
      const cx = side === 'up' ? left : left + p.w;
      const cy = top + HEADER / 2;
      const h = el('g', { class: `handle ${action}`, 'data-side': side, 'data-action': action, role: 'button', 'aria-label': `${action === 'expand' ? 'Expand' : 'Collapse'} ${side === 'up' ? 'parents' : 'children'}` });
      h.appendChild(el('circle', { cx, cy, r: 8 }));
      const mark = el('text', { x: cx, y: cy + 4, 'text-anchor': 'middle' });
      mark.textContent = action === 'expand' ? '+' : '−';
      h.appendChild(mark);
      const tip = el('title');
      tip.textContent = `${action === 'expand' ? 'Show' : 'Hide'} ${side === 'up' ? 'parents' : 'children'}`;
      h.appendChild(tip);
      g.appendChild(h);
    }
    return g;
  }

  /** Classes for focus, selection, dimming, run status and traced columns. */
  private decorate(g: SVGGElement, p: Placed): void {
    const d = this.decorations;
    const id = p.drawn.kind === 'test' ? p.drawn.node!.id : p.id;
    const status = d.statuses[id];
    g.classList.toggle('focus', p.id === d.focus);
    g.classList.toggle('selected', p.id === d.selected);
    g.classList.toggle('dim', d.related !== undefined && !d.related.has(p.id));
    for (const c of Array.from(g.classList)) if (c.startsWith('status-')) g.classList.remove(c);
    if (status) g.classList.add(`status-${status}`);
    if (status) g.dataset.status = status;
    else delete g.dataset.status;
    if (!this.detailed) return;
    g.querySelector('.badge')?.remove();
    if (status && p.drawn.kind !== 'more') {
      const cx = p.x + p.w / 2 - 14;
      const cy = p.y - p.h / 2 + HEADER / 2;
      const badge = el('g', { class: 'badge' });
      badge.appendChild(el('circle', { cx, cy, r: 8 }));
      const mark = el('text', { x: cx, y: cy + 4, 'text-anchor': 'middle' });
      mark.textContent = BADGE[status] ?? '?';
      badge.appendChild(mark);
      g.insertBefore(badge, g.querySelector('title'));
    }
    for (const row of Array.from(g.querySelectorAll<SVGGElement>('g.column'))) {
      const cell = `${p.id}|${row.dataset.column}`;
      row.classList.toggle('traced', d.trace?.cells.has(cell) ?? false);
      row.classList.toggle('picked', d.trace?.selected === cell);
    }
  }

  /** The drawn element of a node, if it is in the DOM now. */
  element(id: string): SVGGElement | undefined {
    return this.elements.get(id);
  }
}

/** The vertical centre of a column's row in a node listing columns. */
export function rowY(p: Placed, column: string): number | undefined {
  const i = (p.columns ?? []).findIndex((c) => c.name.toLowerCase() === column.toLowerCase());
  return i < 0 ? undefined : p.y - p.h / 2 + HEADER + i * ROW + (ROW - 2) / 2;
}
