/**
 * The sample's incremental bronze_orders on DuckDB is late-data safe: an order that lands after
 * newer ones (a new file, an older created_at) reaches bronze and silver; an order delivered
 * again replaces its row; a run with no new files adds nothing. (test/databricks/pipeline.spark.ts
 * lands a late order on Spark too.)
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { readProfile } from '../server/src/core/profiles';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runProject, type ProjectRunResult } from '../server/src/runner/project-run';
import { generateLanding } from '../server/src/sample/generator';
import { readFileSync } from 'node:fs';
import { testPath } from './support/golden';

let root: string;

async function build(): Promise<ProjectRunResult> {
  const host = new NodeFileHost();
  return runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env: {}, profilesDirs: [root] });
}

async function query(sql: string): Promise<unknown[][]> {
  const { target } = readProfile(readFileSync(join(root, 'profiles.yml'), 'utf8'), 'profiles.yml', 'medallion_retail', undefined, (s) => s);
  const engine = await DuckDbEngine.open(target, { projectRoot: root });
  try {
    return (await (await engine.acquire()).execute(sql)).rows;
  } finally {
    await engine.close();
  }
}

const failures = (s: ProjectRunResult): string[] => s.results.filter((r) => !['success', 'pass', 'warn', 'no-op'].includes(r.status)).map((r) => `${r.name}: ${r.message}`);

describe('sample: late orders reach bronze', { timeout: 120_000 }, () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'medallion-late-'));
    const source = testPath('..', 'models');
    cpSync(source, root, { recursive: true, filter: (p) => !/[\\/](target|logs|landing-data|dbt_packages)([\\/]|$)/.test(p.slice(source.length)) });
    await generateLanding({ outDir: join(root, 'landing-data'), orders: 60, batch: 1, products: 10, users: 20 });
    const first = await build();
    assert.deepEqual(failures(first), []);
  });

  it('a late order (new file, older created_at) is loaded; a re-sent order replaces its row; no new file adds nothing', async () => {
    const [[count, oldest]] = (await query('select count(*), min(created_at) from bronze.bronze_orders')) as [[string, string]];
    const [[id, userId, productId]] = (await query('select id, user_id, product_id from bronze.bronze_orders order by id limit 1')) as [[string, string, string]];
    const late = new Date(new Date(`${oldest}Z`).getTime() - 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
    writeFileSync(
      join(root, 'landing-data', 'orders', 'orders_late_0001.csv'),
      `id,created_at,user_id,product_id,quantity,unit_price\n900001,${late},${userId},${productId},3,9.99\n${id},${late},${userId},${productId},77,1.00\n`,
    );
    const second = await build();
    assert.deepEqual(failures(second), []);
    assert.match(second.results.find((r) => r.name === 'bronze_orders')!.message, /incremental \(delete\+insert\), 2 rows/);
    assert.deepEqual(await query('select count(*) from bronze.bronze_orders'), [[String(Number(count) + 1)]]);
    assert.deepEqual(await query("select quantity, _landing_file from bronze.bronze_orders where id = 900001"), [[3, 'orders_late_0001.csv']]);
    assert.deepEqual(await query(`select quantity from bronze.bronze_orders where id = ${id}`), [[77]]);
    assert.deepEqual(await query('select order_date from silver.silver_orders where id = 900001'), [[late.slice(0, 10)]]);
    const third = await build();
    assert.match(third.results.find((r) => r.name === 'bronze_orders')!.message, /incremental \(delete\+insert\), 0 rows/);
  });
});
