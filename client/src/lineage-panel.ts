/**
 * The lineage view beside the editor: follows the active model, asks the server for its
 * neighbourhood and hands it to the webview. Strict CSP with a nonce; no remote resources.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LineageRequest, type LineageResult } from '../../server/src/lsp/protocol';

export class LineagePanel {
  private panel: vscode.WebviewPanel | undefined;
  private depth = 2;
  private current: string | undefined;
  /** Names of the nodes the webview last drew (the `medallion.lineageViewNodes` command reports them). */
  rendered: string[] = [];
  private readonly renderedListeners: Array<() => void> = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
  ) {
    context.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.panel && editor && editor.document.languageId === 'jinja-sql') void this.show(editor.document.uri, false);
      }),
    );
  }

  /** Resolves after the webview has drawn a graph (bounded by the caller). */
  whenRendered(): Promise<void> {
    return new Promise((resolve) => this.renderedListeners.push(resolve));
  }

  async show(uri: vscode.Uri, reveal = true): Promise<void> {
    this.current = uri.toString();
    if (!this.panel) this.create();
    else if (reveal) this.panel.reveal(vscode.ViewColumn.Beside, true);
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    if (!this.panel || !this.current) return;
    const result = await this.client.sendRequest<LineageResult>(LineageRequest, { uri: this.current, ...(this.depth > 0 ? { depth: this.depth } : {}) });
    await this.panel.webview.postMessage({ type: 'graph', focus: result.focus, nodes: result.nodes, edges: result.edges, depth: this.depth });
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
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 2px 8px; cursor: pointer; }
  #graph { overflow: auto; height: calc(100vh - 40px); }
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
</style></head><body>
<header><strong>Lineage</strong><span id="info"></span><span style="flex:1"></span>depth <button data-depth="-1" title="Less">−</button><button data-depth="1" title="More">+</button></header>
<div id="graph"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body></html>`;
    panel.onDidDispose(() => (this.panel = undefined));
    panel.webview.onDidReceiveMessage(async (m: { type: string; file?: string; delta?: number; nodes?: string[] }) => {
      if (m.type === 'ready') await this.refresh();
      else if (m.type === 'depth') {
        this.depth = Math.max(1, this.depth + (m.delta ?? 0));
        await this.refresh();
      } else if (m.type === 'open' && m.file) {
        const found = await vscode.workspace.findFiles(`**/${m.file}`, '**/node_modules/**', 1);
        if (found[0]) await vscode.window.showTextDocument(found[0], { viewColumn: vscode.ViewColumn.One });
      } else if (m.type === 'rendered') {
        this.rendered = m.nodes ?? [];
        for (const listener of this.renderedListeners.splice(0)) listener();
      }
    });
  }
}
