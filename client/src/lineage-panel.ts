/**
 * The lineage view beside the editor: follows the active model, asks the server for its
 * neighbourhood and hands it to the webview with each node's last run status (redrawn when a run
 * reports). Zoom and pan happen in the webview. Strict CSP with a nonce; no remote resources.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LineageRequest, type LineageParams, type LineageResult } from '../../server/src/lsp/protocol';
import type { RunStatus } from './run-status';

export class LineagePanel {
  private panel: vscode.WebviewPanel | undefined;
  private depth = 2;
  /** A document (its model) or a node's unique id. */
  private current: { uri: string } | { nodeId: string } | undefined;
  private last: LineageResult | undefined;
  /** Names of the nodes the webview last drew (the `medallion.lineageViewNodes` command reports them). */
  rendered: string[] = [];
  /** The run status each drawn node showed, by node name. */
  renderedStatuses: Record<string, string> = {};
  private readonly renderedListeners: Array<() => void> = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    private readonly status: RunStatus,
  ) {
    context.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.panel && editor && editor.document.languageId === 'jinja-sql') void this.show(editor.document.uri, false);
      }),
      status.onDidChange(() => void this.post()),
    );
  }

  /** Resolves after the webview has drawn a graph (bounded by the caller). */
  whenRendered(): Promise<void> {
    return new Promise((resolve) => this.renderedListeners.push(resolve));
  }

  /** Shows the neighbourhood of a document's model, or of a node given by its unique id. */
  async show(subject: vscode.Uri | string, reveal = true): Promise<void> {
    this.current = typeof subject === 'string' ? { nodeId: subject } : { uri: subject.toString() };
    if (!this.panel) this.create();
    else if (reveal) this.panel.reveal(vscode.ViewColumn.Beside, true);
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    if (!this.panel || !this.current) return;
    const params: LineageParams = { ...this.current, ...(this.depth > 0 ? { depth: this.depth } : {}) };
    this.last = await this.client.sendRequest<LineageResult>(LineageRequest, params);
    await this.post();
  }

  /** Sends the last graph with the current run statuses. */
  private async post(): Promise<void> {
    const result = this.last;
    if (!this.panel || !result) return;
    const statuses = this.status.snapshot();
    const nodes = result.nodes.map((n) => (statuses[n.id] ? { ...n, status: statuses[n.id] } : n));
    await this.panel.webview.postMessage({ type: 'graph', focus: result.focus, nodes, edges: result.edges, depth: this.depth });
  }

  private create(): void {
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('medallion.lineage', 'Medallion Lineage', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [media] });
    this.panel = panel;
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'lineage-view.js'));
    const csp = `default-src 'none'; img-src ${panel.webview.cspSource} data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
    panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font: var(--vscode-font-size) var(--vscode-font-family); margin: 0; }
  header { display: flex; gap: 8px; align-items: center; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border); }
  .grow { flex: 1; }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 2px 8px; cursor: pointer; }
  #graph { overflow: hidden; height: calc(100vh - 40px); cursor: grab; touch-action: none; }
  #graph.panning { cursor: grabbing; }
  .edge { fill: none; stroke: var(--vscode-editorLineNumber-foreground); stroke-width: 1.2; }
  .node rect { stroke: var(--vscode-panel-border); stroke-width: 1; cursor: pointer; fill: var(--vscode-editorWidget-background); }
  .node text { fill: var(--vscode-foreground); font-size: 12px; pointer-events: none; }
  .node.focus rect { stroke: var(--vscode-focusBorder); stroke-width: 2.5; }
  .node:focus { outline: none; } .node:focus rect { stroke: var(--vscode-focusBorder); }
  .layer-landing rect { fill: color-mix(in srgb, var(--vscode-charts-purple) 30%, var(--vscode-editor-background)); }
  .layer-bronze rect { fill: color-mix(in srgb, var(--vscode-charts-orange) 35%, var(--vscode-editor-background)); }
  .layer-silver rect { fill: color-mix(in srgb, var(--vscode-charts-blue) 30%, var(--vscode-editor-background)); }
  .layer-gold rect { fill: color-mix(in srgb, var(--vscode-charts-yellow) 35%, var(--vscode-editor-background)); }
  .layer-seed rect { fill: color-mix(in srgb, var(--vscode-charts-green) 25%, var(--vscode-editor-background)); }
  .node.status-success rect, .node.status-pass rect { stroke: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); stroke-width: 2; }
  .node.status-error rect, .node.status-fail rect { stroke: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); stroke-width: 2.5; }
  .node.status-warn rect { stroke: var(--vscode-charts-yellow); stroke-width: 2; }
  .node.status-skipped rect, .node.status-cancelled rect { stroke: var(--vscode-testing-iconSkipped, var(--vscode-disabledForeground)); stroke-width: 2; stroke-dasharray: 4 3; }
  .node.status-running rect { stroke: var(--vscode-charts-blue); stroke-width: 2; stroke-dasharray: 2 2; }
  .badge { fill: var(--vscode-editor-background); stroke: currentColor; stroke-width: 1; }
  .node .badge-text { font-size: 11px; font-weight: bold; }
  .status-success .badge, .status-pass .badge { stroke: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .status-error .badge, .status-fail .badge { stroke: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .status-success .badge-text, .status-pass .badge-text { fill: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .status-error .badge-text, .status-fail .badge-text { fill: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
</style></head><body>
<header><strong>Lineage</strong><span id="info"></span><span class="grow"></span>zoom <button id="zoom-out" title="Zoom out (−)">−</button><button id="zoom-in" title="Zoom in (+)">+</button><button id="fit" title="Fit the graph to the view (0)">Fit</button> depth <button data-depth="-1" title="Less">−</button><button data-depth="1" title="More">+</button></header>
<div id="graph"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body></html>`;
    panel.onDidDispose(() => (this.panel = undefined));
    panel.webview.onDidReceiveMessage(async (m: { type: string; file?: string; delta?: number; nodes?: string[]; statuses?: Record<string, string> }) => {
      if (m.type === 'ready') await this.refresh();
      else if (m.type === 'depth') {
        this.depth = Math.max(1, this.depth + (m.delta ?? 0));
        await this.refresh();
      } else if (m.type === 'open' && m.file) {
        const found = await vscode.workspace.findFiles(`**/${m.file}`, '**/node_modules/**', 1);
        if (found[0]) await vscode.window.showTextDocument(found[0], { viewColumn: vscode.ViewColumn.One });
      } else if (m.type === 'rendered') {
        this.rendered = m.nodes ?? [];
        this.renderedStatuses = m.statuses ?? {};
        for (const listener of this.renderedListeners.splice(0)) listener();
      }
    });
  }
}
