/** The `medallion` command as a user runs it: real process, real files, exit codes and output. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertGolden, testPath } from './support/golden';

const bin = testPath('..', 'bin', 'medallion.js');
const sample = testPath('..', 'models');

function medallion(args: string[], cwd = sample, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('medallion CLI', () => {
  it('--version prints the package version', () => {
    const r = medallion(['--version']);
    assert.equal(r.code, 0, r.stderr);
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(r.stdout, `medallion ${pkg.version}\n`);
  });

  it('parse: a clean project exits 0 with a summary', () => {
    const r = medallion(['parse']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^medallion_retail: 11 models, 1 seeds, 1 snapshots, 4 sources, \d+ tests, 2 unit tests, 2 exposures, \d+ macros; 0 errors, 0 warnings$/m);
  });

  it('parse: a broken project exits 1 and names file:line:col and cause', () => {
    const r = medallion(['parse'], testPath('fixtures', 'broken'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^models\/silver\/silver_orders\.sql:1:23: error unknown-ref: 'silver_orders' refers to 'bronze_order', which is not a model, seed or snapshot in this project \(did you mean 'bronze_orders'\?\)$/m);
    assert.match(r.stderr, /^models\/silver\/cycle_a\.sql:1:23: error cycle: Dependency cycle: cycle_a → cycle_c → cycle_b → cycle_a$/m);
  });

  it('--project finds the project from anywhere; no project is exit 2', () => {
    assert.equal(medallion(['parse', '--project', sample], tmpdir()).code, 0);
    const none = medallion(['parse'], mkdtempSync(join(tmpdir(), 'medallion-empty-')));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no dbt project found/);
  });

  it('usage errors exit 2', () => {
    assert.equal(medallion(['frobnicate']).code, 2);
    assert.equal(medallion(['ls', '--bogus']).code, 2);
    assert.equal(medallion(['lineage']).code, 2);
  });

  it('ls with selectors, names and json', () => {
    const r = medallion(['ls', '--select', '+silver_orders', '--resource-type', 'model', '--output', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['bronze_orders', 'silver_orders']);
    const json = medallion(['ls', '-s', 'layer:gold', '--resource-type', 'model', '--output', 'json']);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; layer: string; config: { materialized: string } });
    assert.deepEqual(rows.map((r) => [r.name, r.layer, r.config.materialized]).sort(), [
      ['gold_daily_avg_rating', 'gold', 'view'],
      ['gold_daily_sales', 'gold', 'view'],
      ['gold_product_categories', 'gold', 'view'],
    ]);
  });

  it('lineage: upstream and downstream with layers', () => {
    const r = medallion(['lineage', 'silver_orders', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const lineage = JSON.parse(r.stdout) as { node: { layer: string }; upstream: Array<{ name: string; layer: string; depth: number }>; downstream: Array<{ name: string; layer: string; depth: number }> };
    assert.equal(lineage.node.layer, 'silver');
    assert.deepEqual(lineage.upstream.map((x) => [x.name, x.layer, x.depth]), [['bronze_orders', 'bronze', 1], ['landing.orders', 'landing', 2]]);
    assert.deepEqual(lineage.downstream.map((x) => [x.name, x.layer, x.depth]), [['gold_daily_sales', 'gold', 1], ['sales_dashboard', null, 2]]);
    const text = medallion(['lineage', 'landing.orders', '--depth', '1']);
    assert.match(text.stdout, /^upstream \(0\):$/m);
    assert.match(text.stdout, /bronze_orders\s+bronze\s+model \(incremental\)/);
  });

  for (const target of ['dev', 'databricks']) {
    it(`compile the whole sample project for ${target} (golden)`, () => {
      const r = medallion(['compile', '--target', target], sample, { MEDALLION_RUN_STARTED_AT: '2024-01-01T00:00:00Z' });
      assert.equal(r.code, 0, r.stderr);
      assertGolden(testPath('goldens', 'medallion', `compile-${target}.sql`), r.stdout);
    });
  }

  it('compile reports a failing model with its file and the cause, exit 1', () => {
    const r = medallion(['compile', 'gold_report'], testPath('fixtures', 'broken'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /models\/gold\/gold_report\.sql:2:\d+: error jinja-render: .*'old_model'/);
  });
});
