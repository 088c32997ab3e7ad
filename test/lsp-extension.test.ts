/**
 * The requests the VS Code extension's views and commands use, at the protocol level: the real
 * `medallion lsp --stdio` on a copy of the sample project. `medallion/models` (the Models tree),
 * `medallion/uploadLanding` against a real s3rver, and an untrusted workspace (`trusted: false`),
 * where the server navigates and diagnoses but renders, runs, previews and uploads nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { LandingEventMessage, LineageResult, ModelsResult, ShowResult, TargetsResult, UploadLandingResult } from '../server/src/lsp/protocol';
import { generateLanding } from '../server/src/sample/generator';
import { testPath } from './support/golden';
import { S3RVER_CREDENTIALS, s3rverEnvironment, startS3rver, type S3rverHandle } from './support/s3rver';

interface Server {
  rpc: MessageConnection;
  root: string;
  uri(rel: string): string;
  diagnostics: Map<string, Array<{ code: string; message: string }>>;
  landingEvents: LandingEventMessage[];
  stop(): Promise<void>;
}

async function startServer(options: { trusted?: boolean; env?: Record<string, string>; write?: Record<string, string> } = {}): Promise<Server> {
  const root = mkdtempSync(join(tmpdir(), 'medallion-lspx-'));
  cpSync(testPath('..', 'models'), root, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
  for (const [rel, text] of Object.entries(options.write ?? {})) writeFileSync(join(root, rel), text);
  const child: ChildProcess = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent', ...options.env } });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const diagnostics = new Map<string, Array<{ code: string; message: string }>>();
  const landingEvents: LandingEventMessage[] = [];
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Array<{ code: string; message: string }> }) => {
    diagnostics.set(p.uri, p.diagnostics);
  });
  rpc.onNotification('medallion/landingEvent', (e: LandingEventMessage) => {
    landingEvents.push(e);
  });
  rpc.onRequest('client/registerCapability', () => null);
  rpc.onRequest('window/workDoneProgress/create', () => null);
  rpc.listen();
  await rpc.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { window: { workDoneProgress: true } },
    workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'sample' }],
    initializationOptions: options.trusted === undefined ? {} : { trusted: options.trusted },
  });
  await rpc.sendNotification('initialized', {});
  return {
    rpc,
    root,
    uri: (rel) => pathToFileURL(join(root, rel)).toString(),
    diagnostics,
    landingEvents,
    stop: async () => {
      await rpc.sendRequest('shutdown').catch(() => undefined);
      await rpc.sendNotification('exit').catch(() => undefined);
      rpc.dispose();
      child.kill();
    },
  };
}

describe('medallion/models: the Models tree', () => {
  let server: Server;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  it('project → layers in order (landing, bronze, silver, gold, other) → nodes, each with where it is defined', async () => {
    const { projects } = await server.rpc.sendRequest<ModelsResult>('medallion/models', {});
    assert.equal(projects.length, 1);
    const project = projects[0]!;
    assert.equal(project.name, 'medallion_retail');
    assert.equal(project.uri, pathToFileURL(server.root).toString());
    const shown = Object.fromEntries(project.layers.map((l) => [l.name, l.nodes.map((n) => `${n.resourceType}:${n.name}`)]));
    assert.deepEqual(Object.keys(shown), ['landing', 'bronze', 'silver', 'gold', 'other']);
    assert.deepEqual(shown.landing, ['source:landing.orders', 'source:landing.products', 'source:landing.reviews', 'source:landing.users']);
    assert.deepEqual(shown.bronze, ['model:bronze_orders', 'model:bronze_products', 'model:bronze_reviews', 'model:bronze_users', 'snapshot:products_snapshot']);
    assert.ok(shown.silver!.includes('model:silver_orders'));
    assert.ok(shown.gold!.includes('model:gold_daily_sales'));
    assert.ok(shown.other!.includes('seed:product_categories'), JSON.stringify(shown.other));
    const silverOrders = project.layers.find((l) => l.name === 'silver')!.nodes.find((n) => n.name === 'silver_orders')!;
    assert.equal(silverOrders.uri, server.uri('models/silver/silver_orders.sql'));
    assert.equal(silverOrders.id, 'model.medallion_retail.silver_orders');
    // A source opens at its yml entry.
    const orders = project.layers[0]!.nodes[0]!;
    assert.equal(orders.uri, server.uri('models/sources.yml'));
    assert.equal(readFileSync(join(server.root, 'models/sources.yml'), 'utf8').split('\n')[orders.range.start.line]!.trim(), '- name: orders');
    // Exposures (what reads gold) on their own, each opening at its yml entry.
    assert.deepEqual(project.exposures?.map((e) => `${e.materialized}:${e.name}`), ['application:rating_alerts', 'dashboard:sales_dashboard']);
    const dashboard = project.exposures![1]!;
    assert.equal(dashboard.uri, server.uri('models/gold/exposures.yml'));
    assert.match(readFileSync(join(server.root, 'models/gold/exposures.yml'), 'utf8').split('\n')[dashboard.range.start.line]!, /name: sales_dashboard/);
  });

  it('only the project of a document when a uri is given', async () => {
    const { projects } = await server.rpc.sendRequest<ModelsResult>('medallion/models', { uri: server.uri('models/silver/silver_orders.sql') });
    assert.equal(projects.length, 1);
    const outside = await server.rpc.sendRequest<ModelsResult>('medallion/models', { uri: pathToFileURL(join(tmpdir(), 'elsewhere.sql')).toString() });
    assert.equal(outside.projects.length, 1, 'a document outside every project: all projects');
  });
});

describe('medallion/lineage, medallion/show and medallion/targets for the views', () => {
  let server: Server;
  before(async () => {
    server = await startServer({ write: { 'models/gold/gold_ctes.sql': 'with a as (\n  select 1 as x\n),\nb as (\n  select x + 1 as y from a\n)\nselect * from b\n' } });
  });
  after(() => server.stop());

  it('lineage nodes carry where they are defined, folder and group, relation, counts, yml columns and tests', async () => {
    const lineage = await server.rpc.sendRequest<LineageResult>('medallion/lineage', { uri: server.uri('models/silver/silver_orders.sql'), depth: 1 });
    assert.equal(lineage.layered, true);
    assert.deepEqual(lineage.layers, ['landing', 'bronze', 'silver', 'gold']);
    const silver = lineage.nodes.find((n) => n.name === 'silver_orders')!;
    assert.equal(silver.uri, server.uri('models/silver/silver_orders.sql'));
    assert.deepEqual([silver.folder, silver.group, silver.relation, silver.parents, silver.children], ['models/silver', 'silver', '"medallion"."silver"."silver_orders"', 1, 1]);
    assert.ok(silver.columns!.some((c) => c.name === 'order_amount' && c.declared), JSON.stringify(silver.columns));
    assert.ok(silver.tests!.some((t) => t.column === 'id'), JSON.stringify(silver.tests));
    const up = await server.rpc.sendRequest<LineageResult>('medallion/lineage', { uri: server.uri('models/silver/silver_orders.sql'), direction: 'up' });
    assert.deepEqual(up.nodes.map((n) => n.name).sort(), ['bronze_orders', 'landing.orders', 'silver_orders']);
  });

  it('column lineage among the nodes asked for, marked not exact; each node lists the columns its SQL outputs', async () => {
    const ids = ['model.medallion_retail.gold_daily_sales', 'model.medallion_retail.silver_orders'];
    const lineage = await server.rpc.sendRequest<LineageResult>('medallion/lineage', { uri: server.uri('models/gold/gold_daily_sales.sql'), columns: true, columnNodes: ids });
    assert.ok(lineage.columnEdges!.length > 0);
    assert.ok(lineage.columnEdges!.every((e) => ids.includes(e.from.node) && ids.includes(e.to.node) && e.exact === false), JSON.stringify(lineage.columnEdges));
    const gold = lineage.nodes.find((n) => n.name === 'gold_daily_sales')!;
    assert.ok(gold.columns!.some((c) => c.name === 'total_revenue'));
  });

  it('show: a selection compiled in its model\'s context, and the CTE at a position', async () => {
    const selection = await server.rpc.sendRequest<ShowResult>('medallion/show', { uri: server.uri('models/silver/silver_orders.sql'), text: 'select {{ 1 + 1 }} as two' });
    assert.equal(selection.error, null);
    assert.deepEqual([selection.title, selection.rows.map((r) => Number(r[0])), selection.sql], ['silver_orders (selection)', [2], 'select 2 as two']);
    const cte = await server.rpc.sendRequest<ShowResult>('medallion/show', { uri: server.uri('models/gold/gold_ctes.sql'), cteAt: { line: 1, character: 10 } });
    assert.equal(cte.error, null);
    assert.deepEqual([cte.title, cte.columns.map((c) => c.name), cte.rows.map((r) => Number(r[0]))], ['gold_ctes › a', ['x'], [1]]);
    const whole = await server.rpc.sendRequest<ShowResult>('medallion/show', { uri: server.uri('models/gold/gold_ctes.sql'), cteAt: { line: 6, character: 3 } });
    assert.deepEqual([whole.title, whole.columns.map((c) => c.name)], ['gold_ctes', ['y']]);
  });

  it('a project without its profile: targets say so (the editor asks before using the embedded DuckDB)', async () => {
    rmSync(join(server.root, 'profiles.yml'));
    const targets = await server.rpc.sendRequest<TargetsResult>('medallion/targets', { uri: server.uri('models/silver/silver_orders.sql') });
    assert.deepEqual([targets.profile!.name, targets.profile!.found, targets.profile!.file], ['medallion_retail', false, null]);
    assert.ok(targets.profile!.searched.includes(join(server.root, 'profiles.yml')));
  });
});

describe('medallion/uploadLanding: the local landing files to S3 (s3rver)', () => {
  let s3: S3rverHandle;
  let server: Server;
  before(async () => {
    s3 = await startS3rver({ buckets: ['lake'] });
    server = await startServer({
      env: s3rverEnvironment(s3, 's3://lake/retail'),
    });
    await generateLanding({ outDir: join(server.root, 'landing-data'), orders: 120, batch: 1 });
  });
  after(async () => {
    await server?.stop();
    await s3?.stop();
  });

  it('uploads each table from its own landing folder to <root>/<table>/, with events; no key in any message', async () => {
    const result = await server.rpc.sendRequest<UploadLandingResult>('medallion/uploadLanding', { uri: server.uri('models/sources.yml') });
    assert.equal(result.cancelled, false);
    assert.deepEqual(
      result.tables.map((t) => `${t.table} ${t.status} ${t.to}`),
      ['landing.orders uploaded s3://lake/retail/orders/', 'landing.products uploaded s3://lake/retail/products/', 'landing.reviews uploaded s3://lake/retail/reviews/', 'landing.users uploaded s3://lake/retail/users/'],
    );
    const orders = result.tables[0]!;
    assert.equal(orders.from, join(server.root, 'landing-data/orders'));
    assert.ok((orders.files ?? 0) >= 1 && (orders.bytes ?? 0) > 0);
    assert.ok(existsSync(join(s3.directory, 'lake', 'retail', 'orders')), 'objects under retail/orders/ in the store');
    assert.deepEqual([...new Set(server.landingEvents.filter((e) => e.kind === 'table').map((e) => e.table))], ['landing.orders', 'landing.products', 'landing.reviews', 'landing.users']);
    assert.ok(server.landingEvents.some((e) => e.kind === 'progress' && e.bytes === e.total));
    assert.ok(!JSON.stringify([result, server.landingEvents]).includes(S3RVER_CREDENTIALS.secretAccessKey));
  });

  it('a folder given for one table that does not exist: that table is reported missing, nothing uploaded', async () => {
    const result = await server.rpc.sendRequest<UploadLandingResult>('medallion/uploadLanding', { uri: server.uri('models/sources.yml'), source: 'landing.orders', dir: join(server.root, 'nowhere') });
    assert.deepEqual(result.tables.map((t) => t.status), ['missing']);
  });
});

describe('an untrusted workspace (initializationOptions.trusted: false)', () => {
  let server: Server;
  before(async () => {
    server = await startServer({ trusted: false });
  });
  after(() => server.stop());

  it('navigates, lists models and publishes diagnostics from scanning', async () => {
    const file = 'models/silver/silver_orders.sql';
    const text = readFileSync(join(server.root, file), 'utf8');
    const at = text.indexOf("ref('bronze_orders')") + 6;
    const lines = text.slice(0, at).split('\n');
    const def = await server.rpc.sendRequest<{ uri: string }>('textDocument/definition', { textDocument: { uri: server.uri(file) }, position: { line: lines.length - 1, character: lines[lines.length - 1]!.length } });
    assert.equal(def.uri, server.uri('models/bronze/bronze_orders.sql'));
    const { projects } = await server.rpc.sendRequest<ModelsResult>('medallion/models', {});
    assert.equal(projects[0]!.layers.length, 5);
    const bad = text.replace("ref('bronze_orders')", "ref('bronze_order')");
    await server.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: server.uri(file), languageId: 'jinja-sql', version: 1, text: bad } });
    for (let i = 0; i < 200 && !server.diagnostics.get(server.uri(file))?.some((d) => d.code === 'unknown-ref'); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(server.diagnostics.get(server.uri(file))?.some((d) => d.code === 'unknown-ref'));
  });

  it('renders nothing: no compile, no relation names in hovers, no column lineage', async () => {
    const compiled = await server.rpc.sendRequest<{ sql: string | null; problems: Array<{ message: string }> }>('medallion/compile', { uri: server.uri('models/gold/gold_daily_sales.sql') });
    assert.equal(compiled.sql, null);
    assert.match(compiled.problems[0]!.message, /untrusted workspace/);
    const file = 'models/gold/gold_daily_sales.sql';
    const text = readFileSync(join(server.root, file), 'utf8');
    const at = text.indexOf("ref('silver_orders')") + 6;
    const lines = text.slice(0, at).split('\n');
    const hover = await server.rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: server.uri(file) }, position: { line: lines.length - 1, character: lines[lines.length - 1]!.length } });
    assert.match(hover.contents.value, /silver_orders/);
    assert.doesNotMatch(hover.contents.value, /"medallion"\."silver"/);
    const lineage = await server.rpc.sendRequest<{ nodes: unknown[]; columnEdges?: unknown[] }>('medallion/lineage', { uri: server.uri(file), columns: true });
    assert.ok(lineage.nodes.length > 1);
    assert.equal(lineage.columnEdges, undefined);
  });

  it('runs, previews and uploads nothing', async () => {
    await assert.rejects(server.rpc.sendRequest('medallion/run', { uri: server.uri('models/silver/silver_orders.sql') }), /untrusted workspace/);
    await assert.rejects(server.rpc.sendRequest('medallion/uploadLanding', {}), /untrusted workspace/);
    const shown = await server.rpc.sendRequest<{ error: string }>('medallion/show', { uri: server.uri('models/silver/silver_orders.sql') });
    assert.match(shown.error, /untrusted workspace/);
    assert.ok(!existsSync(join(server.root, 'target', 'medallion.duckdb')), 'no database was created');
  });
});
