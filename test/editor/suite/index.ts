/**
 * The in-editor suite: runs inside a real VS Code extension host (the VS Code server in
 * code-server here, or @vscode/test-electron on a desktop) against the sample project, through
 * the `vscode` API only. Results go to the JSON file named by MEDALLION_EDITOR_RESULTS.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MedallionApi } from '../../../client/src/extension';
import { RESTART_SETTINGS } from '../../../client/src/settings';
import type { UploadLandingResult } from '../../../server/src/lsp/protocol';

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

/** Resolves when `check` holds, polling (bounded so a failure reports, not hangs). */
async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type ViewItem = { label: string; description: string; contextValue: string; children: ViewItem[] };

/** Sets Medallion settings (undefined removes one) and waits until the language server runs with them. */
async function withSettings(api: MedallionApi, values: Record<string, string | undefined>): Promise<void> {
  const config = vscode.workspace.getConfiguration('medallion');
  for (const [key, value] of Object.entries(values)) await config.update(key, value, vscode.ConfigurationTarget.Workspace);
  const restarting = Object.entries(values).filter(([key]) => RESTART_SETTINGS.includes(`medallion.${key}`));
  await waitFor(`the server restarted with ${JSON.stringify(values)}`, () => restarting.every(([key, value]) => api.serverSettings()[`medallion.${key}`] === value));
  await api.serverReady();
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

  const extension = vscode.extensions.getExtension<MedallionApi>('medallion.medallion');
  let api: MedallionApi | undefined;
  await test('the extension activates in a dbt project', async () => {
    if (!extension) throw new Error('extension medallion.medallion is not installed');
    api = await extension.activate();
    if (!extension.isActive) throw new Error('not active');
  });

  await test('the Models view lists the project, its layers in order and their models', async () => {
    const tree = (await api!.modelsView()) as ViewItem[];
    if (tree.length !== 1 || tree[0]!.label !== 'medallion_retail') throw new Error(`projects: ${JSON.stringify(tree.map((p) => p.label))}`);
    const layers = tree[0]!.children.map((l) => `${l.label} (${l.description})`);
    const expected = ['landing (4)', 'bronze (5)', 'silver (4)', 'gold (3)', 'other (1)', 'exposures (2)'];
    if (JSON.stringify(layers) !== JSON.stringify(expected)) throw new Error(`layers: ${JSON.stringify(layers)}`);
    const bronze = tree[0]!.children[1]!.children.map((n) => `${n.label}:${n.contextValue}`);
    if (!bronze.includes('bronze_orders:medallion.model') || !bronze.includes('products_snapshot:medallion.snapshot')) throw new Error(`bronze: ${JSON.stringify(bronze)}`);
    const other = tree[0]!.children[4]!.children.map((n) => `${n.label}:${n.contextValue}`);
    if (JSON.stringify(other) !== JSON.stringify(['product_categories:medallion.seed'])) throw new Error(`other: ${JSON.stringify(other)}`);
    if (tree[0]!.children[1]!.contextValue !== 'medallion.layer' || tree[0]!.children[0]!.contextValue !== 'medallion.layer.static') throw new Error('Run Layer is offered on the wrong layers');
    const exposures = tree[0]!.children[5]!.children.map((n) => `${n.label}:${n.description}:${n.contextValue}`);
    if (JSON.stringify(exposures) !== JSON.stringify(['rating_alerts:application:medallion.exposure', 'sales_dashboard:dashboard:medallion.exposure'])) throw new Error(`exposures: ${JSON.stringify(exposures)}`);
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
    // The exposure reading gold_daily_sales is drawn downstream of gold.
    const expected = ['bronze_orders', 'gold_daily_sales', 'landing.orders', 'sales_dashboard', 'silver_orders'];
    if (JSON.stringify(nodes) !== JSON.stringify(expected)) throw new Error(`the view drew ${JSON.stringify(nodes)}`);
  });

  await test('the last run\'s status shows in the Models view and on the lineage view\'s nodes', async () => {
    if (api!.lastRunStatus('model.medallion_retail.silver_orders') !== 'success') throw new Error(`status: ${api!.lastRunStatus('model.medallion_retail.silver_orders')}`);
    const tree = (await api!.modelsView()) as ViewItem[];
    const silver = tree[0]!.children.find((l) => l.label === 'silver')!.children.find((n) => n.label === 'silver_orders')!;
    if (silver.description !== 'table · success' && silver.description !== 'view · success') throw new Error(`silver_orders in the tree: ${silver.description}`);
    const statuses = await waitFor('the lineage view to draw statuses', () => (api!.lineageView().statuses.silver_orders ? api!.lineageView().statuses : undefined), 10_000);
    if (statuses.silver_orders !== 'success' || statuses.bronze_orders !== 'success' || statuses.gold_daily_sales !== undefined) throw new Error(`lineage statuses: ${JSON.stringify(statuses)}`);
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

  await test('settings reach the server: medallion.profilesDir and medallion.databricks.catalog feed the profile', async () => {
    // A profile outside the project that reads the catalog from the environment, as a team's would.
    const dir = path.join(folder.fsPath, '.medallion-profiles');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'profiles.yml'),
      "medallion_retail:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: target/medallion.duckdb, schema: main}\n    databricks:\n      type: databricks\n      catalog: \"{{ env_var('DATABRICKS_CATALOG', 'unset') }}\"\n      schema: default\n      host: h\n      http_path: /p\n",
    );
    await withSettings(api!, { profilesDir: '.medallion-profiles', 'databricks.catalog': 'editor_catalog', target: 'databricks' });
    try {
      const doc = await vscode.workspace.openTextDocument(file('models/gold/gold_daily_sales.sql'));
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      await vscode.commands.executeCommand('medallion.compileModel', doc.uri);
      const compiled = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'medallion-compiled' && d.uri.path.endsWith('gold_daily_sales.sql.compiled.sql'));
      await waitFor('the compiled view to use the catalog from the setting', () => compiled?.getText().includes('from `editor_catalog`.`silver`.`silver_orders` as o'), 10_000).catch(() => {
        throw new Error(`compiled SQL: ${compiled?.getText().slice(0, 300)}`);
      });
    } finally {
      await withSettings(api!, { profilesDir: undefined, 'databricks.catalog': undefined, target: undefined });
    }
  });

  await test('Upload Landing Files puts the local landing folders at the configured S3 location (s3rver)', async () => {
    const endpoint = process.env.MEDALLION_EDITOR_S3_ENDPOINT;
    if (!endpoint) throw new Error('no s3rver (MEDALLION_EDITOR_S3_ENDPOINT) for this test');
    await withSettings(api!, { 'landing.location': 's3://lake/editor', 'landing.s3Endpoint': endpoint });
    try {
      const result = await vscode.commands.executeCommand<UploadLandingResult>('medallion.uploadLanding');
      const tables = (result?.tables ?? []).map((t) => `${t.table} ${t.status} ${t.to}`);
      const expected = ['landing.orders uploaded s3://lake/editor/orders/', 'landing.products uploaded s3://lake/editor/products/', 'landing.reviews uploaded s3://lake/editor/reviews/', 'landing.users uploaded s3://lake/editor/users/'];
      if (JSON.stringify(tables) !== JSON.stringify(expected)) throw new Error(`upload: ${JSON.stringify(result)}`);
      // What the store holds (s3rver keeps objects as files under <dir>/<bucket>/<key>).
      const stored = path.join(process.env.MEDALLION_EDITOR_S3_DIR!, 'lake', 'editor', 'orders');
      if (!existsSync(stored) || readdirSync(stored).length === 0) throw new Error(`nothing stored under ${stored}`);
    } finally {
      await withSettings(api!, { 'landing.location': undefined, 'landing.s3Endpoint': undefined });
    }
  });

  await test('typing {{ }}, {% %} and {# #} by hand leaves no stray closers', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'jinja-sql', content: '' });
    const editor = await vscode.window.showTextDocument(doc);
    const typed = ["select * from {{ ref('silver_orders') }}\n", '{% if is_incremental() %}where 1 = 1{% endif %}\n', '{# a note #}\n'];
    for (const ch of typed.join('')) await vscode.commands.executeCommand('type', { text: ch });
    if (doc.getText() !== typed.join('')) throw new Error(`typed ${JSON.stringify(typed.join(''))}, the editor holds ${JSON.stringify(doc.getText())}`);
    // One character: the closer appears and is typed over.
    await editor.edit((e) => e.delete(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length))));
    await vscode.commands.executeCommand('type', { text: '{' });
    await vscode.commands.executeCommand('type', { text: '{' });
    if (doc.getText() !== '{{}}') throw new Error(`after typing {{: ${JSON.stringify(doc.getText())}`);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  await test('run feedback: the status bar counts ok/failed/skipped; Run Layer with nothing selected says so', async () => {
    await vscode.commands.executeCommand('medallion.runModel', file('models/silver/silver_orders.sql'));
    if (!/^\$\(database\) dev: 1 ok$/.test(api!.statusBar())) throw new Error(`status bar after the run: ${api!.statusBar()}`);
    const projects = (await api!.modelsView()) as ViewItem[];
    const before = api!.notices().length;
    const folderUri = vscode.workspace.workspaceFolders![0]!.uri.toString();
    const result = await vscode.commands.executeCommand<{ results: unknown[] } | undefined>('medallion.runLayer', { kind: 'layer', name: 'platinum', nodes: [], project: { uri: folderUri, name: projects[0]!.label, root: folder.fsPath, layers: [] } });
    if (!result || result.results.length !== 0) throw new Error(`layer:platinum ran ${JSON.stringify(result)}`);
    const said = api!.notices().slice(before);
    if (!said.some((m) => /nothing was selected by layer:platinum/.test(m))) throw new Error(`notices: ${JSON.stringify(said)}`);
    if (!/nothing selected/.test(api!.statusBar())) throw new Error(`status bar: ${api!.statusBar()}`);
  });

  await test('Preview Results of a selection, and Preview CTE at Cursor, compiled in the model\'s context', async () => {
    const rel = 'models/gold/gold_cte_preview.sql';
    const text = "with orders as (\n    select * from {{ ref('silver_orders') }}\n),\nbig as (\n    select * from orders where order_amount > 100\n)\nselect count(*) as n from big\n";
    writeFileSync(path.join(folder.fsPath, rel), text);
    try {
      const doc = await vscode.workspace.openTextDocument(file(rel));
      const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      // The server learns of the new model from the open document: ask until it previews (bounded).
      const inner = "select * from {{ ref('silver_orders') }}";
      const start = doc.positionAt(text.indexOf(inner));
      editor.selection = new vscode.Selection(start, doc.positionAt(text.indexOf(inner) + inner.length));
      let last: unknown;
      const shown = await waitFor('the selection preview', async () => {
        await vscode.commands.executeCommand('medallion.previewResults');
        const s = await vscode.commands.executeCommand<{ rows: number; title?: string; sql?: string; error?: string }>('medallion.resultsViewState');
        last = s;
        return s?.title === 'gold_cte_preview (selection)' && !s.error ? s : undefined;
      }).catch((err: Error) => {
        throw new Error(`${err.message}; the grid shows ${JSON.stringify(last)}`);
      });
      if (shown.rows !== Number(process.env.MEDALLION_EDITOR_ORDERS) || !/"silver"\."silver_orders"/.test(shown.sql ?? '')) throw new Error(`selection preview: ${JSON.stringify(shown)}`);
      const inBig = doc.positionAt(text.indexOf('order_amount > 100'));
      editor.selection = new vscode.Selection(inBig, inBig);
      await vscode.commands.executeCommand('medallion.previewCte');
      const cte = await vscode.commands.executeCommand<{ rows: number; columns: string[]; title?: string; sql?: string }>('medallion.resultsViewState');
      if (cte?.title !== 'gold_cte_preview › big' || !cte.columns.includes('order_amount') || !/select \* from big$/.test(cte.sql ?? '')) throw new Error(`CTE preview: ${JSON.stringify(cte)}`);
      // The CTE's rows are exactly the big orders in the table the run built.
      const duckdb = require(path.join(process.env.MEDALLION_REPO!, 'node_modules', '@duckdb', 'node-api')) as typeof import('@duckdb/node-api');
      const instance = await duckdb.DuckDBInstance.create(path.join(folder.fsPath, 'target', 'medallion.duckdb'), { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
      const connection = await instance.connect();
      const rows = (await connection.runAndReadAll('select count(*) from silver.silver_orders where order_amount > 100')).getRowsJson();
      connection.closeSync();
      instance.closeSync();
      if (cte.rows !== Math.min(500, Number(rows[0]![0]))) throw new Error(`the CTE preview shows ${cte.rows} rows, the table has ${String(rows[0]![0])} big orders`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(path.join(folder.fsPath, rel), { force: true });
    }
  });

  await test('the lineage view traces a column across models (the server\'s column lineage)', async () => {
    const doc = await vscode.workspace.openTextDocument(file('models/gold/gold_daily_sales.sql'));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('medallion.showLineage', doc.uri);
    const state = await Promise.race([
      api!.lineageDo({ type: 'select', name: 'gold_daily_sales', column: 'total_revenue' }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no trace drawn; the view shows ${JSON.stringify(api!.lineageView())}`)), 30_000)),
    ]);
    const trace = state.trace ?? [];
    for (const cell of ['gold_daily_sales.total_revenue', 'silver_orders.order_amount']) if (!trace.includes(cell)) throw new Error(`trace: ${JSON.stringify(trace)}; the view: ${JSON.stringify(state)}`);
    if (trace.some((c) => c.startsWith('silver_users.'))) throw new Error(`silver_users is not on total_revenue's trace: ${JSON.stringify(trace)}`);
    if (state.layoutThread !== 'worker') throw new Error(`layout ran on ${state.layoutThread}`);
  });

  await test('Run Modified builds state:modified+ against medallion.state.path (this workspace\'s last manifest as the state)', async () => {
    await vscode.workspace.fs.createDirectory(file('prod-state'));
    await vscode.workspace.fs.copy(file('target/manifest.json'), file('prod-state/manifest.json'), { overwrite: true });
    const doc = await vscode.workspace.openTextDocument(file('models/bronze/bronze_orders.sql'));
    const original = doc.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, doc.positionAt(doc.getText().length), '\n-- reviewed\n');
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    await vscode.workspace.getConfiguration('medallion').update('state.path', 'prod-state', vscode.ConfigurationTarget.Workspace);
    try {
      // The server reads the saved edit on its next analysis: ask until the run includes it (bounded).
      const ran = await waitFor('Run Modified to build the edited model', async () => {
        const result = await vscode.commands.executeCommand<{ results: Array<{ uniqueId: string }> } | undefined>('medallion.runModified');
        const ids = result?.results.map((r) => r.uniqueId) ?? [];
        return ids.includes('model.medallion_retail.bronze_orders') ? ids : undefined;
      });
      for (const id of ['model.medallion_retail.silver_orders', 'model.medallion_retail.gold_daily_sales', 'exposure.medallion_retail.sales_dashboard']) if (!ran.includes(id)) throw new Error(`${id} is downstream of the edit; ran ${JSON.stringify(ran)}`);
      for (const id of ['model.medallion_retail.bronze_users', 'model.medallion_retail.silver_products']) if (ran.includes(id)) throw new Error(`${id} is unmodified and not downstream; ran ${JSON.stringify(ran)}`);
    } finally {
      await vscode.workspace.getConfiguration('medallion').update('state.path', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.writeFile(doc.uri, Buffer.from(original));
    }
  });

  await test('Check Source Freshness: a landing table without a new file for 10 days shows stale in the Models view', async () => {
    const reviews = path.join(folder.fsPath, 'landing-data', 'reviews');
    const old = new Date(Date.now() - 10 * 86_400_000);
    for (const f of readdirSync(reviews)) utimesSync(path.join(reviews, f), old, old);
    const before = api!.notices().length;
    await vscode.commands.executeCommand('medallion.checkSourceFreshness');
    const said = api!.notices().slice(before);
    if (!said.some((m) => /stale sources: landing\.reviews \(error\)/.test(m))) throw new Error(`notices: ${JSON.stringify(said)}`);
    const source = await waitFor('the Models view to show landing.reviews stale', async () => {
      const tree = (await api!.modelsView()) as ViewItem[];
      const node = tree[0]!.children.find((l) => l.label === 'landing')?.children.find((n) => n.label === 'landing.reviews');
      return node && /stale/.test(node.description) ? node : undefined;
    }, 10_000);
    if (!source.description.startsWith('source · ') || !source.description.endsWith(' · stale (error, 10d old)')) throw new Error(`landing.reviews: ${source.description}`);
  });

  await test('a run the server refuses says why in its words (never VS Code\'s generic "command failed"); the status bar keeps the last run', async () => {
    const bar = api!.statusBar();
    const before = api!.notices().length;
    // A macro file defines no model: the server refuses the run.
    const result = await vscode.commands.executeCommand('medallion.runModel', file('macros/current_timestamp.sql'));
    if (result !== undefined) throw new Error(`the run answered ${JSON.stringify(result)}`);
    const said = api!.notices().slice(before);
    if (!said.some((m) => m === 'Medallion: could not run model: macros/current_timestamp.sql defines no model to run')) throw new Error(`notices: ${JSON.stringify(said)}`);
    if (api!.statusBar() !== bar) throw new Error(`status bar: ${bar} became ${api!.statusBar()}`);
  });

  await test('packages listed but not installed: the "Install packages" offer names them (declined here)', async () => {
    const before = api!.notices().length;
    const packagesFile = path.join(folder.fsPath, 'packages.yml');
    writeFileSync(packagesFile, 'packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<2.0.0"]\n  - package: calogica/dbt_date\n    version: 0.10.1\n');
    try {
      const offer = await waitFor('the Install packages offer', () => api!.notices().slice(before).find((m) => /packages/.test(m)));
      const expected = `Medallion (${path.basename(folder.fsPath)}): packages.yml lists 2 packages and dbt_packages/ does not exist: dbt-labs/dbt_utils, calogica/dbt_date`;
      if (offer !== expected) throw new Error(`offer: ${JSON.stringify(offer)}, expected ${JSON.stringify(expected)}`);
    } finally {
      rmSync(packagesFile, { force: true });
    }
  });

  writeFileSync(process.env.MEDALLION_EDITOR_RESULTS!, JSON.stringify(results, null, 2));
}
