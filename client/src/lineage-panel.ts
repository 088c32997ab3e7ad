/**
 * The lineage view beside the editor: asks the server for a node's neighbourhood and hands it to
 * the webview (client/src/webview/lineage.ts) with each node's last run status; answers the
 * webview's requests (more neighbours of a node, columns, a node's relation, a new focus, depth)
 * and runs the commands of its node menu. Following the active editor never moves the view when
 * the model is already drawn: it is selected instead. Strict CSP with a nonce; no remote
 * resources; the layout worker starts from a blob (worker-src blob:).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { LineageRequest, type LineageNode, type LineageParams, type LineageResult } from '../../server/src/lsp/protocol';
import type { Requests } from './requests';
import type { RunStatus } from './run-status';

/** The commands of the node menu, run by the extension for a node. */
export type LineageCommand = 'open' | 'run' | 'runUpstream' | 'runDownstream' | 'test' | 'compile' | 'preview';

/** What the webview last reported it drew. */
export interface LineageViewState {
  nodes: string[];
  statuses: Record<string, string>;
  folds: string[];
  selected?: string;
  trace?: string[];
  /** In column mode: how many column links the server gave, and the nodes whose SQL it could not read. */
  columns?: { edges: number; problems: string[] };
  layout?: { nodes: number; edges: number; layoutMs: number; workerMs: number; paintMs: number; dummies: number; crossings: number };
  layoutThread?: string;
}

export class LineagePanel {
  private panel: vscode.WebviewPanel | undefined;
  private depth = 2;
  /** A document (its model) or a node's unique id. */
  private current: { uri: string } | { nodeId: string } | undefined;
  private last: LineageResult | undefined;
  /** What the webview last drew (the `medallion.lineageViewNodes` command reports the names). */
  state: LineageViewState = { nodes: [], statuses: {}, folds: [] };
  private readonly renderedListeners: Array<() => void> = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly requests: Requests,
    private readonly status: RunStatus,
    private readonly run: (command: LineageCommand, node: LineageNode) => Promise<unknown>,
  ) {
    context.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.panel && editor && editor.document.languageId === 'jinja-sql') void this.follow(editor.document.uri);
      }),
      status.onDidChange(() => void this.panel?.webview.postMessage({ type: 'statuses', statuses: this.status.snapshot() })),
    );
  }

  get rendered(): string[] {
    return this.state.nodes;
  }

  /** Resolves after the webview has drawn (bounded by the caller). */
  whenRendered(): Promise<void> {
    return new Promise((resolve) => this.renderedListeners.push(resolve));
  }

  /** Shows the neighbourhood of a document's model, or of a node given by its unique id; false when the server could not answer (it has been said). */
  async show(subject: vscode.Uri | string, reveal = true): Promise<boolean> {
    this.current = typeof subject === 'string' ? { nodeId: subject } : { uri: subject.toString() };
    if (!this.panel) this.create();
    // Where it already is: never a new editor group beside whichever group is active.
    else if (reveal) this.panel.reveal(this.panel.viewColumn, true);
    return this.refresh(true);
  }

  /** Asks the webview to do what a person would (for tests and commands), and waits until it has drawn the result. */
  async tell(message: { type: 'select'; name: string; column?: string } | { type: 'unfoldAll' }): Promise<LineageViewState> {
    const done = (s: LineageViewState): boolean =>
      message.type === 'unfoldAll' ? s.folds.length === 0 : message.column ? (s.trace?.length ?? 0) > 0 : s.selected === message.name;
    await this.panel?.webview.postMessage(message);
    while (!done(this.state)) await this.whenRendered();
    return this.state;
  }

  /** The active editor changed: a model already drawn is selected; another one becomes the focus. */
  private async follow(uri: vscode.Uri): Promise<void> {
    const shown = (): boolean => this.current !== undefined && 'uri' in this.current && this.current.uri === uri.toString();
    if (shown()) return;
    const one = await this.lineage('follow the active editor', { uri: uri.toString(), depth: 0 }, true);
    if (!one) return;
    // Shown meanwhile (Show Lineage ran while this asked): nothing to follow.
    if (shown() || !one.focus || one.focus === this.last?.focus || one.focus === ('nodeId' in (this.current ?? {}) ? (this.current as { nodeId: string }).nodeId : undefined)) return;
    const drawnName = this.last?.nodes.find((n) => n.id === one.focus)?.name;
    if (drawnName && this.state.nodes.includes(drawnName)) await this.panel?.webview.postMessage({ type: 'select', name: drawnName });
    else await this.show(uri, false);
  }

  private async refresh(fresh: boolean): Promise<boolean> {
    if (!this.panel || !this.current) return false;
    const params: LineageParams = { ...this.current, ...(this.depth > 0 ? { depth: this.depth } : {}) };
    const result = await this.lineage('show lineage', params);
    if (!result) return false;
    this.last = result;
    await this.panel.webview.postMessage({
      type: 'graph',
      focus: this.last.focus,
      nodes: this.last.nodes,
      edges: this.last.edges,
      depth: this.depth,
      layered: this.last.layered ?? true,
      layers: this.last.layers ?? [],
      statuses: this.status.snapshot(),
      fresh,
    });
    return true;
  }

  private lineage(what: string, params: LineageParams, quiet = false): Promise<LineageResult | undefined> {
    return this.requests.send<LineageResult>(what, LineageRequest, params, { quiet });
  }

  private nodeById(id: string): LineageNode | undefined {
    return this.last?.nodes.find((n) => n.id === id) ?? this.learned.get(id);
  }

  /** Nodes the webview was sent beyond the focus's neighbourhood (expanded by the person). */
  private readonly learned = new Map<string, LineageNode>();

  private async onMessage(m: { type: string; id?: string; delta?: number; direction?: 'up' | 'down'; ids?: string[]; command?: string } & Partial<LineageViewState>): Promise<void> {
    const post = (message: unknown): Thenable<boolean> | undefined => this.panel?.webview.postMessage(message);
    if (m.type === 'ready') await this.refresh(true);
    else if (m.type === 'depth') {
      this.depth = Math.max(1, this.depth + (m.delta ?? 0));
      await this.refresh(false);
    } else if (m.type === 'focus' && m.id) {
      this.current = { nodeId: m.id };
      await this.refresh(true);
    } else if (m.type === 'expand' && m.id && m.direction) {
      const more = await this.lineage('expand the lineage', { nodeId: m.id, depth: 1, direction: m.direction });
      if (!more) return;
      for (const n of more.nodes) this.learned.set(n.id, n);
      await post({ type: 'learn', nodes: more.nodes, edges: more.edges, around: m.id, direction: m.direction });
    } else if (m.type === 'columns' && m.ids) {
      const focus = this.last?.focus;
      if (!focus) return;
      const traced = await this.lineage('trace columns', { nodeId: focus, ...(this.depth > 0 ? { depth: this.depth } : {}), columns: true, columnNodes: m.ids });
      if (!traced) return;
      const wanted = new Set(m.ids);
      await post({ type: 'columns', nodes: traced.nodes.filter((n) => wanted.has(n.id)), edges: traced.columnEdges ?? [], problems: traced.columnProblems ?? [] });
    } else if (m.type === 'details' && m.id) {
      const one = await this.lineage('read the node\'s details', { nodeId: m.id, depth: 0 });
      const node = one?.nodes.find((n) => n.id === m.id);
      if (node) await post({ type: 'details', node });
    } else if (m.type === 'command' && m.id && m.command) {
      const node = this.nodeById(m.id);
      if (node) await this.run(m.command as LineageCommand, node);
    } else if (m.type === 'rendered') {
      this.state = { nodes: m.nodes ?? [], statuses: m.statuses ?? {}, folds: m.folds ?? [], ...(m.selected ? { selected: m.selected } : {}), ...(m.trace ? { trace: m.trace } : {}), ...(m.columns ? { columns: m.columns } : {}), ...(m.layout ? { layout: m.layout } : {}), ...(m.layoutThread ? { layoutThread: m.layoutThread } : {}) };
      for (const listener of this.renderedListeners.splice(0)) listener();
    }
  }

  private create(): void {
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('medallion.lineage', 'Medallion Lineage', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media] });
    this.panel = panel;
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'lineage-view.js'));
    const csp = `default-src 'none'; img-src ${panel.webview.cspSource} data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; worker-src blob:;`;
    panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${nonce}">${STYLE}</style></head>
<body data-vscode-context='{"preventDefaultContextMenuItems": true}'>
<header>
  <input id="search" list="names" placeholder="Search (/)" aria-label="Search nodes" autocomplete="off"><datalist id="names"></datalist>
  <span class="seg" role="group" aria-label="Direction"><button data-directions="up" title="Upstream only">↑ Up</button><button data-directions="both" title="Upstream and downstream" class="on">Both</button><button data-directions="down" title="Downstream only">↓ Down</button></span>
  <span class="seg" title="Depth: levels up and down from the focus"><button data-depth="-1" title="Less depth">−</button><span id="depth">depth 2</span><button data-depth="1" title="More depth">+</button></span>
  <button id="filter-toggle" title="Filter by layer or folder, resource type, tests">Filters</button>
  <button id="unfold-all" title="Unfold every +N more">Expand all</button>
  <button id="columns" title="List each node's columns; click one to trace it">Columns</button>
  <span class="grow"></span><span id="info"></span>
  <span class="seg"><button id="zoom-out" title="Zoom out (−)">−</button><button id="zoom-in" title="Zoom in (+)">+</button><button id="fit" title="Fit the graph to the view (0)">Fit</button></span>
  <button id="legend-toggle" title="Show or hide the legend" class="on">Legend</button>
</header>
<main><div id="stage"><div id="graph" tabindex="-1"></div>
<div id="filter-list" class="popup" hidden></div>
<div id="legend"></div>
<div id="menu" role="menu" hidden></div></div>
<aside id="details" hidden></aside></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body></html>`;
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.learned.clear();
    });
    panel.webview.onDidReceiveMessage((m) => void this.onMessage(m).catch((err: Error) => void vscode.window.showErrorMessage(`Medallion lineage: ${err.message}`)));
  }
}

/** The view's stylesheet: VS Code's theme colours; 13 px labels; colour groups c0–c9 and the medallion layers. */
const STYLE = `
  [hidden] { display: none !important; }
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font: var(--vscode-font-size) var(--vscode-font-family); margin: 0; height: 100vh; display: flex; flex-direction: column; overflow: hidden; }
  header { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: center; padding: 4px 6px; border-bottom: 1px solid var(--vscode-panel-border); }
  #depth { padding: 0 5px; color: var(--vscode-descriptionForeground); }
  .grow { flex: 1; }
  .seg { display: inline-flex; gap: 1px; align-items: center; }
  button { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: none; padding: 2px 7px; cursor: pointer; font: inherit; }
  button.on { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
  button:disabled { opacity: 0.45; cursor: default; }
  input { color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); padding: 2px 5px; width: 10em; font: inherit; }
  main { flex: 1; min-height: 0; display: flex; }
  #stage { position: relative; flex: 1; min-width: 0; }
  #graph { position: absolute; inset: 0; overflow: hidden; cursor: grab; touch-action: none; outline: none; }
  /* Legend and counts never take a click or a wheel from the graph. */
  #info { color: var(--vscode-descriptionForeground); font-size: 12px; }
  /* The legend never takes a click or a wheel from the graph. */
  #legend { position: absolute; left: 6px; right: 6px; bottom: 6px; pointer-events: none; font-size: 11px; color: var(--vscode-descriptionForeground); background: color-mix(in srgb, var(--vscode-editor-background) 85%, transparent); padding: 2px 6px; border-radius: 3px; display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: center; }
  #legend b { color: var(--vscode-foreground); font-weight: 600; }
  #graph.panning { cursor: grabbing; }
  .popup, #menu { position: absolute; background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-panel-border)); box-shadow: 0 2px 8px var(--vscode-widget-shadow); z-index: 2; }
  .popup { padding: 6px 10px; max-height: 70%; overflow: auto; }
  #filter-list { top: 4px; left: 8px; }
  #filter-list label { display: block; white-space: nowrap; }
  #filter-list h4, aside h4 { margin: 6px 0 2px; font-size: 11px; text-transform: uppercase; color: var(--vscode-descriptionForeground); }
  aside { width: 250px; flex: none; overflow: auto; padding: 8px 10px; border-left: 1px solid var(--vscode-panel-border); background: var(--vscode-sideBar-background, var(--vscode-editorWidget-background)); }
  @media (max-width: 720px) { main { flex-direction: column; } aside { width: auto; height: 38%; border-left: none; border-top: 1px solid var(--vscode-panel-border); } }
  aside h3 { margin: 0 0 6px; word-break: break-all; font-size: 13px; }
  aside .row { display: flex; gap: 8px; } aside .key { color: var(--vscode-descriptionForeground); min-width: 62px; }
  aside ul { margin: 2px 0; padding-left: 18px; } aside .actions { display: flex; gap: 4px; margin: 8px 0; }
  aside .note { color: var(--vscode-editorWarning-foreground); }
  aside li.status-pass, aside li.status-success { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  aside li.status-fail, aside li.status-error { color: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  #menu { display: flex; flex-direction: column; min-width: 200px; padding: 4px 0; }
  #menu .menu-item { text-align: left; background: none; color: var(--vscode-menu-foreground, var(--vscode-foreground)); padding: 4px 14px; }
  #menu .menu-item:hover:not(:disabled), #menu .menu-item:focus { background: var(--vscode-menu-selectionBackground, var(--vscode-list-activeSelectionBackground)); color: var(--vscode-menu-selectionForeground, var(--vscode-list-activeSelectionForeground)); outline: none; }
  #menu .separator { border-top: 1px solid var(--vscode-menu-separatorBackground, var(--vscode-panel-border)); margin: 4px 0; }
  .edge { fill: none; stroke: var(--vscode-editorLineNumber-foreground); stroke-width: 1.3; }
  .edge.bridged { stroke-dasharray: 5 4; }
  .edge.lit { stroke: var(--vscode-focusBorder); stroke-width: 2.2; }
  .edge.dim { opacity: 0.18; }
  .column-edge { fill: none; stroke: var(--vscode-charts-orange); stroke-width: 2.4; }
  .column-edge.inexact { stroke-dasharray: 6 4; }
  .node { cursor: pointer; }
  .node .frame { stroke: var(--vscode-panel-border); stroke-width: 1; fill: color-mix(in srgb, var(--stripe, transparent) 16%, var(--vscode-editor-background)); }
  .node .label { fill: var(--vscode-foreground); font-size: 13px; font-family: var(--vscode-font-family); pointer-events: none; }
  .node.box rect { stroke: none; fill: var(--stripe); }
  .node.dim { opacity: 0.3; }
  .node.focus .frame { stroke: var(--vscode-focusBorder); stroke-width: 3; }
  .node.selected .frame { stroke: var(--vscode-focusBorder); stroke-width: 2; stroke-dasharray: 5 3; }
  .node:focus { outline: none; } .node:focus .frame { stroke: var(--vscode-focusBorder); }
  .node .stripe { fill: var(--stripe); }
  .node.more .frame { stroke-dasharray: 4 3; fill: var(--vscode-editor-background); }
  .node.more .label { fill: var(--vscode-textLink-foreground); }
  .node .column-row { fill: transparent; } .node .column:hover .column-row { fill: var(--vscode-list-hoverBackground); }
  .node .column-name, .node .column-note { fill: var(--vscode-foreground); font-size: 12px; font-family: var(--vscode-editor-font-family); pointer-events: none; }
  .node .column-note { fill: var(--vscode-descriptionForeground); }
  .node .column.traced .column-row { fill: color-mix(in srgb, var(--vscode-charts-orange) 30%, transparent); }
  .node .column.picked .column-row { fill: color-mix(in srgb, var(--vscode-charts-orange) 55%, transparent); }
  .handle circle { fill: var(--vscode-editor-background); stroke: var(--vscode-editorLineNumber-foreground); stroke-width: 1.2; }
  .handle text { fill: var(--vscode-foreground); font-size: 13px; font-weight: bold; pointer-events: none; }
  .handle:hover circle { stroke: var(--vscode-focusBorder); stroke-width: 2; }
  .badge circle { fill: var(--vscode-editor-background); stroke-width: 1.5; }
  .badge text { font-size: 11px; font-weight: bold; }
  .node.status-success .frame, .node.status-pass .frame { stroke: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); stroke-width: 2; }
  .node.status-error .frame, .node.status-fail .frame { stroke: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); stroke-width: 2.5; }
  .node.status-warn .frame { stroke: var(--vscode-charts-yellow); stroke-width: 2; }
  .node.status-skipped .frame, .node.status-cancelled .frame { stroke: var(--vscode-testing-iconSkipped, var(--vscode-disabledForeground)); stroke-width: 2; stroke-dasharray: 4 3; }
  .node.status-running .frame { stroke: var(--vscode-charts-blue); stroke-width: 2; stroke-dasharray: 2 2; }
  .status-success .badge circle, .status-pass .badge circle { stroke: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .status-success .badge text, .status-pass .badge text { fill: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .status-error .badge circle, .status-fail .badge circle { stroke: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .status-error .badge text, .status-fail .badge text { fill: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle; border-radius: 2px; background: var(--stripe, transparent); border: 1px solid var(--vscode-panel-border); }
  .swatch.status-success { border: 2px solid var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .swatch.status-error { border: 2px solid var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .swatch.status-skipped { border: 2px dashed var(--vscode-testing-iconSkipped, var(--vscode-disabledForeground)); }
  .swatch.focus { border: 3px solid var(--vscode-focusBorder); }
  .swatch.bridged, .swatch.inexact { height: 0; width: 18px; border: none; border-top: 2px dashed var(--vscode-editorLineNumber-foreground); border-radius: 0; }
  .swatch.inexact { border-top-color: var(--vscode-charts-orange); }
  .c-landing { --stripe: var(--vscode-charts-purple); } .c-bronze { --stripe: var(--vscode-charts-orange); } .c-silver { --stripe: var(--vscode-charts-blue); }
  .c-gold { --stripe: var(--vscode-charts-yellow); } .c-seed { --stripe: var(--vscode-charts-green); } .c-more { --stripe: transparent; } .c-test { --stripe: var(--vscode-charts-green); }
  .c0 { --stripe: var(--vscode-charts-blue); } .c1 { --stripe: var(--vscode-charts-orange); } .c2 { --stripe: var(--vscode-charts-green); }
  .c3 { --stripe: var(--vscode-charts-purple); } .c4 { --stripe: var(--vscode-charts-yellow); } .c5 { --stripe: var(--vscode-charts-red); }
  .c6 { --stripe: color-mix(in srgb, var(--vscode-charts-blue) 50%, var(--vscode-charts-green)); } .c7 { --stripe: color-mix(in srgb, var(--vscode-charts-red) 50%, var(--vscode-charts-yellow)); }
  .c8 { --stripe: color-mix(in srgb, var(--vscode-charts-purple) 50%, var(--vscode-charts-blue)); } .c9 { --stripe: var(--vscode-disabledForeground); }
  svg.overview .node rect { fill: var(--stripe, var(--vscode-editorLineNumber-foreground)); }
`;
