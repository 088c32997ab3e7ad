/**
 * The results grid beside the editor: first rows of a model (or a selection, a CTE, a failed
 * test's failing rows), sortable, copyable as CSV, with the SQL that ran.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { ShowRequest, type ShowParams, type ShowResult } from '../../server/src/lsp/protocol';
import type { Requests } from './requests';

export class ResultsPanel {
  private panel: vscode.WebviewPanel | undefined;
  private ready: Promise<void> | undefined;
  /** What the grid last showed (the `medallion.resultsViewState` command reports it). */
  shown: { columns: string[]; rows: number; title?: string; sql?: string; error?: string } | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly requests: Requests,
  ) {}

  /** Queries and shows: a document's model (`uri`), a node (`nodeId`), a selection (`text`) or a CTE (`cteAt`). */
  async preview(params: ShowParams, title?: string): Promise<void> {
    const limit = vscode.workspace.getConfiguration('medallion', params.uri ? vscode.Uri.parse(params.uri) : undefined).get<number>('previewRowLimit', 500);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Medallion: querying…', cancellable: true }, (_p, token) =>
      this.requests.send<ShowResult>(`preview ${title ?? 'the model'}`, ShowRequest, { ...params, limit }, { token }),
    );
    if (!result) return;
    this.ensurePanel();
    await this.ready;
    const rendered = new Promise<void>((resolve) => this.listeners.push(resolve));
    const heading = title ?? result.title ?? result.node?.split('.').slice(2).join('.') ?? 'preview';
    await this.panel!.webview.postMessage({ type: 'results', title: heading, columns: result.columns, rows: result.rows, seconds: result.seconds, error: result.error, limit, sql: result.sql ?? null });
    if (!result.error) await rendered;
    else {
      this.shown = { columns: [], rows: 0, title: heading, error: result.error };
      this.requests.problem(`preview ${heading}`, result.error);
    }
  }

  private ensurePanel(): void {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('medallion.results', 'Medallion Results', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true });
    this.panel = panel;
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'results-view.js'));
    panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<style nonce="${nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font: var(--vscode-font-size) var(--vscode-font-family); margin: 0; }
  header { display: flex; gap: 10px; align-items: center; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border); }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 2px 8px; cursor: pointer; }
  body { display: flex; flex-direction: column; height: 100vh; }
  main { overflow: auto; flex: 1; min-height: 0; }
  details { border-bottom: 1px solid var(--vscode-panel-border); padding: 2px 10px; }
  details pre { margin: 4px 0; max-height: 30vh; overflow: auto; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); white-space: pre; }
  table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  th { position: sticky; top: 0; background: var(--vscode-editorWidget-background); cursor: pointer; text-align: left; }
  th, td { padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border); white-space: nowrap; }
  td.null { color: var(--vscode-disabledForeground); font-style: italic; }
</style></head><body>
<header><span id="info">…</span><span style="flex:1"></span><button id="copy">Copy as CSV</button></header>
<details id="sql-box" hidden><summary>SQL</summary><pre id="sql"></pre></details>
<main><table id="table"></table></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body></html>`;
    this.ready = new Promise((resolve) => {
      panel.webview.onDidReceiveMessage(async (m: { type: string; csv?: string; columns?: string[]; rows?: number; title?: string; sql?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'copy' && m.csv !== undefined) {
          await vscode.env.clipboard.writeText(m.csv);
          void vscode.window.setStatusBarMessage('Medallion: copied as CSV', 2000);
        } else if (m.type === 'rendered') {
          this.shown = { columns: m.columns ?? [], rows: m.rows ?? 0, ...(m.title ? { title: m.title } : {}), ...(m.sql ? { sql: m.sql } : {}) };
          for (const l of this.listeners.splice(0)) l();
        }
      });
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = undefined;
    });
  }
}
