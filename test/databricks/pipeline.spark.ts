/**
 * The sample pipeline on Apache Spark's Thrift server with Delta Lake, through the unmodified
 * `@databricks/sql` driver (the test warehouse and its protocol bridge live in
 * test/databricks/warehouse.mjs and bridge.mjs). Run by `npm run test:databricks`, which starts the
 * warehouse and passes its address in DATABRICKS_HOST / DATABRICKS_PORT / DATABRICKS_HTTP_PATH /
 * DATABRICKS_TOKEN (and its CA in NODE_EXTRA_CA_CERTS).
 *
 * Landing files are read with Spark's CSV data source (`landing_reader: spark_csv`): read_files and
 * COPY INTO are Databricks-only, and their SQL is checked in test/databricks-sql.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeProject } from '../../server/src/core/analysis';
import { createCompiler } from '../../server/src/core/session';
import { openEngine, runProject, type ProjectRunRequest, type ProjectRunResult } from '../../server/src/runner/project-run';
import type { RunEvent } from '../../server/src/runner/types';
import { NodeFileHost } from '../../server/src/node/fs-host';
import { generateLanding } from '../../server/src/sample/generator';
import type { QueryResult } from '../../server/src/engines/engine';
import { sparkOutput } from './spark-profile';

const env = process.env as Record<string, string | undefined>;
const SCHEMA = `medallion_ci_${process.pid}`;
const ORDERS_FIRST = 400;
const ORDERS_SECOND = 150;

/** The sample project, copied, with profiles for this warehouse (target spark) and DuckDB (dev). */
function sampleProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'medallion-spark-'));
  const source = join(__dirname, '..', '..', '..', 'models');
  cpSync(source, root, { recursive: true, filter: (p) => !/[\\/](target|logs|landing-data|dbt_packages)([\\/]|$)/.test(p.slice(source.length)) });
  writeFileSync(
    join(root, 'profiles.yml'),
    [
      'medallion_retail:',
      '  target: spark',
      '  outputs:',
      ...sparkOutput(SCHEMA),
      '      landing_reader: spark_csv',
      '    dev:',
      '      type: duckdb',
      '      path: target/cross_check.duckdb',
      '      schema: main',
      '      threads: 2',
      '',
    ].join('\n'),
  );
  return root;
}

let root: string;

async function run(command: ProjectRunRequest['command'], extra: Partial<ProjectRunRequest> = {}, overrideEnv: Record<string, string | undefined> = {}): Promise<ProjectRunResult> {
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  return runProject(host, analysis, { command, threads: 0, env: { ...env, ...overrideEnv }, profilesDirs: [root], target: 'spark', ...extra });
}

async function query(sql: string, target = 'spark'): Promise<QueryResult> {
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  const { resolved } = createCompiler(host, analysis, { env, profilesDirs: [root], target });
  const engine = await openEngine(resolved.target, root, env);
  try {
    const session = await engine.acquire();
    return await session.execute(sql);
  } finally {
    await engine.close();
  }
}

const problems = (r: ProjectRunResult): string[] => r.results.filter((x) => !['success', 'pass', 'warn', 'no-op'].includes(x.status)).map((x) => `${x.name}: ${x.status}: ${x.message}`);
const count = async (relation: string): Promise<number> => Number((await query(`select count(*) from ${relation}`)).rows[0]![0]);
// The sample's generate_schema_name uses each layer's schema name as written (bronze, silver, gold).
const rel = (layer: string, name: string): string => `spark_catalog.\`${layer}\`.\`${name}\``;

describe('databricks engine on Spark + Delta: the sample pipeline', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    assert.ok(env.DATABRICKS_HOST && env.DATABRICKS_TOKEN, 'run through `npm run test:databricks` (it starts the test warehouse)');
    root = sampleProject();
    await generateLanding({ outDir: join(root, 'landing-data'), orders: ORDERS_FIRST, batch: 1, products: 40, users: 200 });
  });

  after(async () => {
    // Leave the warehouse clean for the next suite; the warehouse itself is thrown away anyway.
    for (const schema of [SCHEMA, 'landing', 'bronze', 'silver', 'gold']) await query(`drop schema if exists spark_catalog.\`${schema}\` cascade`).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  let firstOrders = 0;
  it('builds everything (seeds, landing, bronze incremental, snapshot, silver, gold, data tests, unit tests) on Delta', async () => {
    const result = await run('build');
    assert.equal(result.fatal, undefined);
    assert.deepEqual(problems(result), []);
    const kinds = new Set(result.results.map((r) => r.resourceType));
    for (const k of ['seed', 'model', 'snapshot', 'test', 'unit_test']) assert.ok(kinds.has(k as never), `ran a ${k}`);
    firstOrders = await count(rel('bronze', 'bronze_orders'));
    assert.equal(firstOrders, ORDERS_FIRST);
    const provider = await query(`describe table extended ${rel('bronze', 'bronze_orders')}`);
    assert.ok(provider.rows.some((r) => String(r[0]) === 'Provider' && String(r[1]).toLowerCase() === 'delta'), 'bronze_orders is a Delta table');
    assert.ok((await count(rel('gold', 'product_categories'))) > 0);
  });

  it('the shipped CLI bundle (bin/medallion.js → dist/, with the bundled driver) reads a gold model on this warehouse', () => {
    const out = execFileSync(process.execPath, [join(__dirname, '..', '..', '..', 'bin', 'medallion.js'), 'show', 'gold_product_categories', '--project', root, '--limit', '2', '--output', 'json'], { env, encoding: 'utf8' });
    const shown = JSON.parse(out) as { node: string; rows: Array<Record<string, unknown>> };
    assert.equal(shown.node, 'model.medallion_retail.gold_product_categories');
    assert.equal(shown.rows.length, 2);
    assert.ok(typeof shown.rows[0]!.category_name === 'string');
  });

  it('a second batch is incremental: exactly the new orders are added; the snapshot keeps history', async () => {
    const second = await generateLanding({ outDir: join(root, 'landing-data'), orders: ORDERS_SECOND, batch: 2 });
    const snapshotBefore = await count(rel('bronze', 'products_snapshot'));
    const result = await run('build');
    assert.deepEqual(problems(result), []);
    const bronze = result.results.find((r) => r.name === 'bronze_orders')!;
    assert.match(bronze.message, /incremental \(merge\), 150 rows/);
    assert.equal(await count(rel('bronze', 'bronze_orders')), ORDERS_FIRST + second.rows.orders!);
    assert.ok((await count(rel('bronze', 'products_snapshot'))) >= snapshotBefore);
  });

  it('a late order (a new file, an older created_at) reaches bronze: each landing file is loaded once', async () => {
    const oldest = String((await query(`select cast(min(created_at) as string), min(user_id), min(product_id) from ${rel('bronze', 'bronze_orders')}`)).rows[0]![0]);
    const [userId, productId] = (await query(`select user_id, product_id from ${rel('bronze', 'bronze_orders')} order by id limit 1`)).rows[0]!.map(String);
    writeFileSync(join(root, 'landing-data', 'orders', 'orders_late_0001.csv'), `id,created_at,user_id,product_id,quantity,unit_price\n900001,${oldest.slice(0, 10)} 00:00:00,${userId},${productId},3,9.99\n`);
    // `run`, not `build`: the singular test comparing bronze with silver would (rightly) fail until silver is rebuilt.
    const result = await run('run', { select: ['bronze_orders'] });
    assert.deepEqual(problems(result), []);
    assert.match(result.results.find((r) => r.name === 'bronze_orders')!.message, /incremental \(merge\), 1 rows/);
    assert.deepEqual((await query(`select quantity, _landing_file from ${rel('bronze', 'bronze_orders')} where id = 900001`)).rows.map((r) => r.map(String)), [['3', 'orders_late_0001.csv']]);
    assert.equal(await count(rel('bronze', 'bronze_orders')), ORDERS_FIRST + ORDERS_SECOND + 1);
  });

  it('--full-refresh rebuilds incrementals from all landing files', async () => {
    const result = await run('run', { select: ['bronze_orders'], fullRefresh: true });
    assert.deepEqual(problems(result), []);
    assert.match(result.results[0]!.message, /table built, 551 rows/);
    assert.equal(await count(rel('bronze', 'bronze_orders')), ORDERS_FIRST + ORDERS_SECOND + 1);
  });

  it("a failing model reports Spark's message and skips only its descendants", async () => {
    writeFileSync(join(root, 'models', 'silver', 'silver_broken.sql'), "select no_such_column from {{ ref('silver_orders') }}\n");
    writeFileSync(join(root, 'models', 'gold', 'gold_broken_child.sql'), "select * from {{ ref('silver_broken') }}\n");
    try {
      const result = await run('run', { select: ['silver_orders+', 'silver_broken+'] });
      const byName = Object.fromEntries(result.results.map((r) => [r.name, r]));
      assert.equal(byName.silver_broken!.status, 'error');
      assert.match(byName.silver_broken!.message, /UNRESOLVED_COLUMN|no_such_column/);
      assert.doesNotMatch(byName.silver_broken!.message, /\tat org\.apache/);
      assert.equal(byName.gold_broken_child!.status, 'skipped');
      assert.equal(byName.gold_daily_sales!.status, 'success');
    } finally {
      rmSync(join(root, 'models', 'silver', 'silver_broken.sql'));
      rmSync(join(root, 'models', 'gold', 'gold_broken_child.sql'));
    }
  });

  it('cancel stops a long query on the server', async () => {
    writeFileSync(join(root, 'models', 'gold', 'gold_slow.sql'), "{{ config(materialized='table') }}\nselect count(*) as n from range(0, 100000000000, 1, 2) as a\n");
    try {
      const controller = new AbortController();
      const before = await runningReports();
      let cancelledAt = 0;
      const onEvent = (e: RunEvent): void => {
        if (e.kind !== 'start' || e.node.name !== 'gold_slow') return;
        // Cancel once Spark reports the statement running (the bridge counts those status replies).
        void waitUntil(async () => (await runningReports()) > before, 60_000).then(
          () => {
            cancelledAt = Date.now();
            controller.abort();
          },
          () => controller.abort(),
        );
      };
      const result = await run('run', { select: ['gold_slow'], signal: controller.signal, onEvent });
      assert.ok(cancelledAt > 0, 'the statement was seen running on the server before the cancel');
      const stoppedAfter = Date.now() - cancelledAt;
      assert.equal(result.cancelled, true);
      assert.equal(result.results[0]!.status, 'cancelled');
      assert.ok(stoppedAfter < 15_000, `cancel took ${stoppedAfter} ms`);
      // The server is free again: a query on the same two cores answers promptly.
      const t = Date.now();
      assert.equal(Number((await query('select 1')).rows[0]![0]), 1);
      assert.ok(Date.now() - t < 15_000, 'the cancelled job no longer holds the warehouse');
    } finally {
      rmSync(join(root, 'models', 'gold', 'gold_slow.sql'));
    }
  });

  it('a wrong token is refused with a clear message, and the token is not in it', async () => {
    const result = await run('run', { select: ['silver_orders'] }, { DATABRICKS_TOKEN: 'dapi-wrong-token-123' });
    const message = result.fatal ?? result.results.map((r) => r.message).join('\n');
    assert.match(message, /refused the credentials/);
    assert.ok(!message.includes('dapi-wrong-token-123'));
  });

  it('gold tables on Spark and on DuckDB, built from the same landing files, hold the same rows', async () => {
    const host = new NodeFileHost();
    const duck = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env, profilesDirs: [root], target: 'dev' });
    assert.deepEqual(problems(duck), []);
    for (const [table, columns] of [
      ['gold_daily_sales', 'order_date, order_month, product_name, category, vendor, city, state, sales_channel, total_revenue'],
      ['gold_daily_avg_rating', 'review_date, product_id, product_name, avg_rating'],
      ['product_categories', 'category_id, category_name, category_description, typical_usage, product_count, avg_price, min_price, max_price'],
    ] as const) {
      const spark = await query(`select ${columns} from ${rel('gold', table)}`);
      const duckdb = await query(`select ${columns} from gold.${table}`, 'dev');
      const normalize = (r: QueryResult): string[] => r.rows.map((row) => JSON.stringify(row.map(comparable))).sort();
      const a = normalize(spark);
      const b = normalize(duckdb);
      assert.ok(a.length > 0, `${table} has rows`);
      assert.equal(a.length, b.length, `${table}: ${a.length} rows on Spark, ${b.length} on DuckDB`);
      assert.deepEqual(a, b, `${table} differs between engines`);
    }
  });
});

/** How many times the test warehouse has answered "running" to a status poll (see test/databricks/bridge.mjs). */
function runningReports(): Promise<number> {
  const url = `https://${env.DATABRICKS_HOST}:${env.DATABRICKS_PORT}${env.DATABRICKS_HTTP_PATH}/status`;
  return new Promise((resolve, reject) => {
    https
      .get(url, { headers: { Authorization: `Bearer ${env.DATABRICKS_TOKEN}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve((JSON.parse(body) as { runningStatusReports: number }).runningStatusReports));
      })
      .on('error', reject);
  });
}

/** Polls a condition (every 100 ms) until it holds, or fails after `timeoutMs`. */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One text form per value across engines: numbers to 6 decimals, timestamps without zone or zero millis. */
function comparable(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) return Number(value).toFixed(6);
  return String(value).replace('T', ' ').replace(/(\.0+)?(Z|\+00(:00)?)?$/, '');
}
