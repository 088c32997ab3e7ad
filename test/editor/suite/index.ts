/**
 * The in-editor suite: runs inside a real VS Code extension host (the VS Code server in
 * code-server here, or @vscode/test-electron on a desktop) against the sample project, through
 * the `vscode` API only. Results go to the JSON file named by MEDALLION_EDITOR_RESULTS.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

interface Result {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

/** Resolves when `check` holds, re-checking on each diagnostics change (bounded so a failure reports, not hangs). */
function diagnosticsWhere(uri: vscode.Uri, check: (d: readonly vscode.Diagnostic[]) => boolean, ms = 30_000): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const now = vscode.languages.getDiagnostics(uri);
    if (check(now)) return resolve(now);
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`diagnostics condition not met; now: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => d.message))}`));
    }, ms);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = vscode.languages.getDiagnostics(uri);
      if (check(d)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(d);
      }
    });
  });
}

function positionOf(doc: vscode.TextDocument, needle: string, delta: number): vscode.Position {
  const at = doc.getText().indexOf(needle);
  if (at < 0) throw new Error(`${needle} not in ${doc.uri.path}`);
  return doc.positionAt(at + delta);
}

export async function run(): Promise<void> {
  const results: Result[] = [];
  const folder = vscode.workspace.workspaceFolders![0]!.uri;
  const file = (rel: string): vscode.Uri => vscode.Uri.joinPath(folder, rel);
  const test = async (name: string, body: () => Promise<void>): Promise<void> => {
    const t = Date.now();
    try {
      await body();
      results.push({ name, ok: true, ms: Date.now() - t });
    } catch (err) {
      results.push({ name, ok: false, error: (err as Error).stack ?? String(err), ms: Date.now() - t });
    }
  };

  const extension = vscode.extensions.getExtension('medallion.medallion');
  await test('the extension activates in a dbt project', async () => {
    if (!extension) throw new Error('extension medallion.medallion is not installed');
    await extension.activate();
    if (!extension.isActive) throw new Error('not active');
  });

  await test('go to definition on a ref lands in the model file', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/silver/silver_orders.sql'));
    await vscode.window.showTextDocument(doc);
    if (doc.languageId !== 'jinja-sql') throw new Error(`language is ${doc.languageId}`);
    // The server may still be indexing: ask until it answers (bounded).
    let locations: Array<vscode.Location | vscode.LocationLink> = [];
    for (let i = 0; i < 100 && locations.length === 0; i++) {
      locations = (await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>('vscode.executeDefinitionProvider', doc.uri, positionOf(doc, "ref('bronze_orders')", 6))) ?? [];
    }
    const target = locations[0];
    const uri = target && 'targetUri' in target ? target.targetUri : (target as vscode.Location | undefined)?.uri;
    if (!uri || !uri.path.endsWith('models/bronze/bronze_orders.sql')) throw new Error(`definition went to ${uri?.path}`);
  });

  await test('a bad ref is underlined with a suggestion, and the underline goes when fixed', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/silver/silver_users.sql'));
    const editor = await vscode.window.showTextDocument(doc);
    const good = doc.getText();
    const at = good.indexOf("ref('bronze_users')") + 5;
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'bronze_users'.length)), 'bronze_user'));
    const bad = await diagnosticsWhere(doc.uri, (d) => d.some((x) => /did you mean 'bronze_users'/.test(x.message)));
    if (bad[0]!.range.start.line !== doc.positionAt(at).line) throw new Error('underline on the wrong line');
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), good));
    await diagnosticsWhere(doc.uri, (d) => d.length === 0);
    await doc.save();
  });

  await test('Compile Model shows the SQL with resolved relation names beside the model', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/gold/gold_daily_sales.sql'));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('medallion.compileModel', doc.uri);
    const compiled = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'medallion-compiled' && d.uri.path.endsWith('gold_daily_sales.sql.compiled.sql'));
    if (!compiled) throw new Error('no compiled document opened');
    if (!compiled.getText().includes('from "medallion"."silver"."silver_orders" as o')) throw new Error(`compiled SQL: ${compiled.getText().slice(0, 300)}`);
  });

  await test('Run Model with Upstream builds the model in DuckDB (rows checked)', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/silver/silver_orders.sql'));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('medallion.runModelWithUpstream', doc.uri);
    // The run closed its engine: read the database as a user's tool would.
    const duckdb = require(path.join(process.env.MEDALLION_REPO!, 'node_modules', '@duckdb', 'node-api')) as typeof import('@duckdb/node-api');
    const instance = await duckdb.DuckDBInstance.create(path.join(folder.fsPath, 'target', 'medallion.duckdb'), { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll('select count(*) as n from silver.silver_orders')).getRowsJson();
    connection.closeSync();
    instance.closeSync();
    if (Number(rows[0]![0]) !== Number(process.env.MEDALLION_EDITOR_ORDERS)) throw new Error(`silver_orders has ${String(rows[0]![0])} rows`);
  });

  await test('Show Lineage draws the model with its upstream and downstream in the webview', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/silver/silver_orders.sql'));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('medallion.showLineage', doc.uri);
    const nodes = ((await vscode.commands.executeCommand<string[]>('medallion.lineageViewNodes')) ?? []).slice().sort();
    const expected = ['bronze_orders', 'gold_daily_sales', 'landing.orders', 'silver_orders'];
    if (JSON.stringify(nodes) !== JSON.stringify(expected)) throw new Error(`the view drew ${JSON.stringify(nodes)}`);
  });

  await test('Preview Results shows the first rows of a model in the grid', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/silver/silver_orders.sql'));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('medallion.previewResults', doc.uri);
    const shown = await vscode.commands.executeCommand<{ columns: string[]; rows: number }>('medallion.resultsViewState');
    if (!shown || shown.rows !== Number(process.env.MEDALLION_EDITOR_ORDERS) || !shown.columns.includes('order_amount')) throw new Error(`the grid shows ${JSON.stringify(shown)}`);
  });

  await test('the medallion.target setting switches the compiled view to Databricks relations', async () => {
    const config = vscode.workspace.getConfiguration('medallion');
    await config.update('target', 'databricks', vscode.ConfigurationTarget.Workspace);
    try {
      const doc = await vscode.workspace.openTextDocument(file('models/gold/gold_daily_sales.sql'));
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      const wanted = 'from `dbt_project_retail`.`silver`.`silver_orders` as o';
      const compiledDoc = (): vscode.TextDocument | undefined => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'medallion-compiled' && d.uri.path.endsWith('gold_daily_sales.sql.compiled.sql'));
      // The open view refreshes asynchronously: wait for its text to change (bounded).
      const refreshed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          reject(new Error(`compiled SQL: ${compiledDoc()?.getText().slice(0, 300)}`));
        }, 20_000);
        const sub = vscode.workspace.onDidChangeTextDocument((e) => {
          if (e.document === compiledDoc() && e.document.getText().includes(wanted)) {
            clearTimeout(timer);
            sub.dispose();
            resolve();
          }
        });
      });
      await vscode.commands.executeCommand('medallion.compileModel', doc.uri);
      if (!compiledDoc()?.getText().includes(wanted)) await refreshed;
      else refreshed.catch(() => undefined);
    } finally {
      await config.update('target', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  writeFileSync(process.env.MEDALLION_EDITOR_RESULTS!, JSON.stringify(results, null, 2));
}
