/**
 * The language server at the protocol level: the real `medallion lsp --stdio` process driven by a
 * JSON-RPC client over stdio, on a copy of the sample project. Waits on conditions, never on time.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { testPath } from './support/golden';
import { generateLanding } from '../server/src/sample/generator';

interface PublishedDiagnostics {
  uri: string;
  diagnostics: Array<{ message: string; code: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; data?: unknown; source?: string }>;
}

describe('language server over stdio (sample project)', () => {
  let server: ChildProcess;
  let rpc: MessageConnection;
  let root: string;
  const published: PublishedDiagnostics[] = [];
  const progress: string[] = [];
  const runEvents: Array<{ kind: string; name?: string; status?: string }> = [];
  const waiters: Array<{ match: (p: PublishedDiagnostics) => boolean; resolve: (p: PublishedDiagnostics) => void }> = [];
  const uri = (rel: string): string => pathToFileURL(join(root, rel)).toString();

  /** Resolves with the first diagnostics publication (past or future) that satisfies `match`. */
  const diagnosticsWhere = (match: (p: PublishedDiagnostics) => boolean, since = 0): Promise<PublishedDiagnostics> => {
    const hit = published.slice(since).find(match);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => waiters.push({ match, resolve }));
  };

  const positionOf = (rel: string, needle: string, delta = 0): { line: number; character: number } => {
    const text = readFileSync(join(root, rel), 'utf8');
    const at = text.indexOf(needle) + delta;
    assert.ok(at >= delta, `${needle} in ${rel}`);
    const before = text.slice(0, at).split('\n');
    return { line: before.length - 1, character: before[before.length - 1]!.length };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'medallion-lsp-'));
    cpSync(testPath('..', 'models'), root, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
    server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent' } });
    rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    rpc.onNotification('textDocument/publishDiagnostics', (p: PublishedDiagnostics) => {
      published.push(p);
      for (const w of [...waiters]) {
        if (w.match(p)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.onNotification('$/progress', (p: { value: { kind: string; message?: string } }) => {
      progress.push(p.value.kind);
    });
    rpc.onNotification('medallion/runEvent', (e: { kind: string; name?: string; status?: string }) => {
      runEvents.push(e);
    });
    rpc.listen();
    const init = await rpc.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } }, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'sample' }] });
    assert.ok(init.capabilities.definitionProvider);
    await rpc.sendNotification('initialized', {});
  });

  after(async () => {
    await rpc.sendRequest('shutdown').catch(() => undefined);
    await rpc.sendNotification('exit').catch(() => undefined);
    rpc.dispose();
    server.kill();
  });

  it('go to definition: ref() → the model file; source() → its yml entry', async () => {
    const ref = await rpc.sendRequest<{ uri: string; range: unknown }>('textDocument/definition', { textDocument: { uri: uri('models/silver/silver_orders.sql') }, position: positionOf('models/silver/silver_orders.sql', "ref('bronze_orders')", 6) });
    assert.equal(ref.uri, uri('models/bronze/bronze_orders.sql'));
    const src = await rpc.sendRequest<{ uri: string; range: { start: { line: number } } }>('textDocument/definition', { textDocument: { uri: uri('models/bronze/bronze_orders.sql') }, position: positionOf('models/bronze/bronze_orders.sql', "'orders'", 2) });
    assert.equal(src.uri, uri('models/sources.yml'));
    assert.equal(readFileSync(join(root, 'models/sources.yml'), 'utf8').split('\n')[src.range.start.line]!.trim(), '- name: orders');
  });

  it('references: every ref to a model, across SQL and yml', async () => {
    const refs = await rpc.sendRequest<Array<{ uri: string }>>('textDocument/references', { textDocument: { uri: uri('models/silver/silver_orders.sql') }, position: positionOf('models/silver/silver_orders.sql', "ref('bronze_orders')", 6), context: { includeDeclaration: true } });
    const files = [...new Set(refs.map((r) => r.uri.slice(pathToFileURL(root).toString().length + 1)))].sort();
    assert.deepEqual(files, ['models/bronze/bronze.yml', 'models/bronze/bronze_orders.sql', 'models/silver/silver_orders.sql', 'tests/assert_silver_orders_complete.sql']);
  });

  it('hover: description, layer, relation, columns and lineage counts', async () => {
    const hover = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uri('models/silver/silver_orders.sql') }, position: positionOf('models/silver/silver_orders.sql', "ref('bronze_orders')", 6) });
    assert.match(hover.contents.value, /\*\*model\*\* `bronze_orders` · bronze · incremental/);
    assert.match(hover.contents.value, /- dev: `"medallion"\."bronze"\."bronze_orders"`/);
    assert.match(hover.contents.value, /- databricks: `\`dbt_project_retail\`\.\`bronze\`\.\`bronze_orders\``/);
    assert.match(hover.contents.value, /↑ 1 upstream · ↓ 3 downstream/);
  });

  it('completion: model names inside ref(\', tables inside source(\'landing\', \'', async () => {
    const file = 'models/gold/gold_daily_sales.sql';
    const typed = "select * from {{ ref('') }} join {{ source('landing', '') }}";
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'jinja-sql', version: 1, text: typed } });
    try {
      const models = await rpc.sendRequest<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri(file) }, position: { line: 0, character: typed.indexOf("ref('") + 5 } });
      assert.ok(models.some((i) => i.label === 'silver_orders') && models.some((i) => i.label === 'product_categories'));
      const tables = await rpc.sendRequest<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri(file) }, position: { line: 0, character: typed.indexOf("'landing', '") + 12 } });
      assert.deepEqual(tables.map((i) => i.label).sort(), ['orders', 'products', 'reviews', 'users']);
    } finally {
      await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(file) } });
    }
  });

  it('diagnostics: a bad ref is underlined with a suggestion while typing, and cleared when fixed', async () => {
    const file = 'models/silver/silver_users.sql';
    const text = readFileSync(join(root, file), 'utf8');
    const since = published.length;
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'jinja-sql', version: 1, text: text.replace("ref('bronze_users')", "ref('bronze_user')") } });
    const bad = await diagnosticsWhere((p) => p.uri === uri(file) && p.diagnostics.length > 0, since);
    assert.equal(bad.diagnostics[0]!.code, 'unknown-ref');
    assert.match(bad.diagnostics[0]!.message, /did you mean 'bronze_users'/);
    const actions = await rpc.sendRequest<Array<{ title: string; edit: { changes: Record<string, Array<{ newText: string }>> } }>>('textDocument/codeAction', { textDocument: { uri: uri(file) }, range: bad.diagnostics[0]!.range, context: { diagnostics: bad.diagnostics } });
    assert.equal(actions[0]!.title, "Change to 'bronze_users'");
    assert.equal(actions[0]!.edit.changes[uri(file)]![0]!.newText, 'bronze_users');
    const fixedSince = published.length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: 2 }, contentChanges: [{ text }] });
    await diagnosticsWhere((p) => p.uri === uri(file) && p.diagnostics.length === 0, fixedSince);
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(file) } });
  });

  it('on save, DuckDB parses the compiled SQL: a syntax error lands on the model line; valid SQL stays clean', async () => {
    const file = 'models/silver/silver_reviews.sql';
    const good = readFileSync(join(root, file), 'utf8');
    const broken = good.replace('where rating between 1 and 5', 'where rating between and');
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'jinja-sql', version: 1, text: broken } });
    try {
      let since = published.length;
      await rpc.sendNotification('textDocument/didSave', { textDocument: { uri: uri(file) } });
      const bad = await diagnosticsWhere((p) => p.uri === uri(file) && p.diagnostics.some((d) => d.code === 'sql-syntax'), since);
      const d = bad.diagnostics.find((x) => x.code === 'sql-syntax')!;
      assert.match(d.message, /DuckDB \(target dev\) cannot parse the compiled SQL: Parser Error: syntax error at or near "and"/);
      assert.equal(d.range.start.line, broken.split('\n').findIndex((l) => l.includes('between and')));
      since = published.length;
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: 2 }, contentChanges: [{ text: `${good.trimEnd()}\nqualify row_number() over (partition by product_id order by review_date desc) = 1\n` }] });
      await rpc.sendNotification('textDocument/didSave', { textDocument: { uri: uri(file) } });
      await diagnosticsWhere((p) => p.uri === uri(file) && p.diagnostics.length === 0, since);
      const compiled = await rpc.sendRequest<{ sql: string; lineMap: number[] }>('medallion/compile', { uri: uri(file) });
      const from = compiled.sql.split('\n').findIndex((l) => l.startsWith('from '));
      assert.equal(compiled.lineMap[from], good.split('\n').findIndex((l) => l.startsWith('from ')));
    } finally {
      await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(file) } });
    }
  });

  it('code lens: run, run with upstream, compile, lineage counts', async () => {
    const lenses = await rpc.sendRequest<Array<{ command: { title: string; command: string } }>>('textDocument/codeLens', { textDocument: { uri: uri('models/silver/silver_orders.sql') } });
    assert.deepEqual(lenses.map((l) => l.command.title), ['▶ Run', 'Run with upstream', 'Compile', '↑ 2 upstream · ↓ 2 downstream']);
  });

  it('rename a model: the file, every ref and its yml entry in one edit', async () => {
    const edit = await rpc.sendRequest<{ documentChanges: Array<{ textDocument?: { uri: string }; kind?: string; newUri?: string; edits?: Array<{ newText: string }> }> }>('textDocument/rename', { textDocument: { uri: uri('models/silver/silver_users.sql') }, position: { line: 0, character: 0 }, newName: 'silver_customers' });
    const renames = edit.documentChanges.filter((c) => c.kind === 'rename');
    assert.deepEqual(renames.map((r) => r.newUri), [uri('models/silver/silver_customers.sql')]);
    const edited = edit.documentChanges.filter((c) => c.textDocument).map((c) => c.textDocument!.uri.slice(pathToFileURL(root).toString().length + 1)).sort();
    assert.deepEqual(edited, ['models/gold/gold_daily_sales.sql', 'models/silver/silver.yml']);
  });

  it('medallion/compile and medallion/lineage', async () => {
    const compiled = await rpc.sendRequest<{ sql: string; relation: string }>('medallion/compile', { uri: uri('models/gold/gold_daily_sales.sql') });
    assert.equal(compiled.relation, '"medallion"."gold"."gold_daily_sales"');
    assert.match(compiled.sql, /from "medallion"\."silver"\."silver_orders" as o/);
    const dbx = await rpc.sendRequest<{ sql: string }>('medallion/compile', { uri: uri('models/gold/gold_daily_sales.sql'), target: 'databricks' });
    assert.match(dbx.sql, /from `dbt_project_retail`\.`silver`\.`silver_orders` as o/);
    const lineage = await rpc.sendRequest<{ nodes: Array<{ name: string; layer: string; depth: number }>; edges: unknown[] }>('medallion/lineage', { uri: uri('models/silver/silver_orders.sql') });
    assert.deepEqual(lineage.nodes.map((n) => [n.name, n.layer, n.depth]).sort(), [['bronze_orders', 'bronze', -1], ['gold_daily_sales', 'gold', 1], ['landing.orders', 'landing', -2], ['sales_dashboard', null, 2], ['silver_orders', 'silver', 0]].sort());
    assert.equal(lineage.edges.length, 4);
    const columns = await rpc.sendRequest<{ columnEdges: Array<{ from: { node: string; column: string }; to: { node: string; column: string } }> }>('medallion/lineage', { uri: uri('models/gold/gold_daily_sales.sql'), depth: 1, columns: true });
    const revenue = columns.columnEdges.filter((e) => e.to.column === 'total_revenue').map((e) => `${e.from.node}.${e.from.column}`);
    assert.deepEqual(revenue, ['model.medallion_retail.silver_orders.order_amount']);
    assert.ok(columns.columnEdges.some((e) => e.from.node === 'model.medallion_retail.silver_users' && e.from.column === 'sales_channel' && e.to.column === 'sales_channel'));
  });

  it('medallion/run: a model with its upstream on DuckDB, with progress and streamed events', async () => {
    await generateLanding({ outDir: join(root, 'landing-data'), orders: 200 });
    const result = await rpc.sendRequest<{ results: Array<{ name: string; status: string; rows?: number }>; fatal: string | null }>('medallion/run', { uri: uri('models/silver/silver_orders.sql'), upstream: true });
    assert.equal(result.fatal, null);
    assert.deepEqual(result.results.map((r) => [r.name, r.status]), [['bronze_orders', 'success'], ['silver_orders', 'success']]);
    assert.equal(result.results[1]!.rows, 200);
    assert.deepEqual(progress.filter((k) => k !== 'report'), ['begin', 'end']);
    assert.deepEqual(runEvents.filter((e) => e.kind === 'finish').map((e) => [e.name, e.status]), [['bronze_orders', 'success'], ['silver_orders', 'success']]);
    // What dbt's log line says of each node: relation, rows, seconds.
    const silver = runEvents.find((e) => e.kind === 'finish' && e.name === 'silver_orders') as { relation?: string; rows?: number; seconds?: number; resourceType?: string };
    assert.deepEqual([silver.relation, silver.rows, silver.resourceType, typeof silver.seconds], ['"medallion"."silver"."silver_orders"', 200, 'model', 'number']);
    const start = runEvents.find((e) => e.kind === 'start' && e.name === 'silver_orders') as { relation?: string; materialized?: string };
    assert.deepEqual([start.relation, start.materialized], ['"medallion"."silver"."silver_orders"', 'table']);
  });

  it('medallion/run with upstream builds the seeds and snapshots the model needs, not only models', async () => {
    const result = await rpc.sendRequest<{ results: Array<{ uniqueId: string; name: string; status: string }>; fatal: string | null }>('medallion/run', { uri: uri('models/gold/gold_product_categories.sql'), upstream: true });
    assert.equal(result.fatal, null);
    const ran = new Map(result.results.map((r) => [r.name, r.status]));
    assert.equal(ran.get('product_categories'), 'success', 'the seed');
    assert.equal(ran.get('products_snapshot'), 'success', 'the snapshot');
    assert.equal(ran.get('gold_product_categories'), 'success');
    assert.ok(result.results.every((r) => /^(model|seed|snapshot)\./.test(r.uniqueId)), 'no tests in a run');
  });

  it('medallion/targets lists the profile targets and the default', async () => {
    const { profile, ...targets } = await rpc.sendRequest<{ targets: string[]; defaultTarget: string; profile: { name: string; found: boolean; file: string } }>('medallion/targets', { uri: uri('models/silver/silver_orders.sql') });
    assert.deepEqual(targets, { targets: ['dev', 'databricks'], defaultTarget: 'dev' });
    assert.deepEqual([profile.name, profile.found, profile.file.endsWith('/profiles.yml')], ['medallion_retail', true, true]);
  });

  it('a request about an unknown file answers empty; the server keeps serving', async () => {
    assert.equal(await rpc.sendRequest('textDocument/definition', { textDocument: { uri: 'file:///nowhere/x.sql' }, position: { line: 0, character: 0 } }), null);
    const symbols = await rpc.sendRequest<Array<{ name: string }>>('workspace/symbol', { query: 'gold_daily' });
    assert.deepEqual(symbols.map((s) => s.name).sort(), ['gold_daily_avg_rating', 'gold_daily_sales']);
  });
});
