/** The `medallion` command as a user runs it: real process, real files, exit codes and output. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertGolden, testPath } from './support/golden';
import { tempProject } from './support/temp-project';

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
    assert.match(r.stdout, /^medallion_retail: 11 models, 1 seed, 1 snapshot, 4 sources, \d+ tests, 2 unit tests, 2 exposures, \d+ macros; 0 errors, 0 warnings$/m);
  });

  it('parse loads no node builtin only its debug output needs: perf_hooks only under MEDALLION_DEBUG (~1-2 ms of a cold run)', () => {
    const root = tempProject({ 'models/a.sql': 'select 1 as id' });
    const list = join(root, 'modules.txt');
    const preload = join(root, 'modules.js');
    writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const loaded = (debug: boolean): string[] => {
      const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', HOME: '/nonexistent', MEDALLION_DEBUG: debug ? '1' : undefined };
      const r = spawnSync(process.execPath, ['-r', preload, bin, 'parse'], { cwd: root, encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      return readFileSync(list, 'utf8').split('\n');
    };
    assert.ok(!loaded(false).includes('NativeModule perf_hooks'));
    assert.ok(loaded(true).includes('NativeModule perf_hooks'));
  });

  it('parse: writes target/manifest.json as dbt parse does (dbt unique ids, relation names, parent map)', () => {
    const root = tempProject({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [unique]\n',
    });
    const r = medallion(['parse'], root);
    assert.equal(r.code, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as {
      metadata: { dbt_schema_version: string; project_name: string };
      nodes: Record<string, { relation_name: string | null; depends_on: { nodes: string[] } }>;
      parent_map: Record<string, string[]>;
    };
    assert.equal(manifest.metadata.dbt_schema_version, 'https://schemas.getdbt.com/dbt/manifest/v12.json');
    assert.equal(manifest.nodes['model.p.b']!.relation_name, '"test"."main"."b"');
    assert.deepEqual(manifest.parent_map['model.p.b'], ['model.p.a']);
    assert.ok(Object.keys(manifest.nodes).some((id) => /^test\.p\.unique_b_id\.[0-9a-f]{10}$/.test(id)), Object.keys(manifest.nodes).join(', '));
  });

  it('parse: --vars reach the relation names (duplicate check and manifest), as dbt 1.12.6 names them', () => {
    // Checked with dbt parse on the same project: without --vars both models are "main"."t" (an
    // error); with them m1 is "other"."t" and the project parses.
    const root = tempProject({
      'macros/schema.sql': "{% macro generate_schema_name(custom_schema_name, node) -%}\n{{ var('schema_for_' ~ node.name, target.schema) }}\n{%- endmacro %}\n",
      'models/m1.sql': "{{ config(alias='t') }} select 1 as x\n",
      'models/m2.sql': "{{ config(alias='t') }} select 2 as x\n",
    });
    const without = medallion(['parse'], root);
    assert.equal(without.code, 1);
    assert.match(without.stderr, /error duplicate-name: .*"test"\."main"\."t"/);
    const r = medallion(['parse', '--vars', '{schema_for_m1: other}'], root);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /duplicate-name/);
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { schema: string; relation_name: string | null }> };
    assert.deepEqual(manifest.nodes['model.p.m1'], { ...manifest.nodes['model.p.m1'], schema: 'other', relation_name: '"test"."other"."t"' });
    assert.deepEqual(manifest.nodes['model.p.m2'], { ...manifest.nodes['model.p.m2'], schema: 'main', relation_name: '"test"."main"."t"' });
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

  it('compile works for an adapter Medallion only compiles for (snowflake), in its dialect; run refuses it', () => {
    const fixture = testPath('fixtures', 'adapter_sql');
    const r = medallion(['compile', 'cross_db', '--target', 'snowflake'], fixture);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /boolor_agg\(b\) as any_b/);
    assert.match(r.stdout, /from RAW_DB\.app\.events/);
    const copy = mkdtempSync(join(tmpdir(), 'medallion-adapter-'));
    cpSync(fixture, copy, { recursive: true });
    const run = medallion(['run', '--target', 'snowflake'], copy);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Target 'snowflake' is of type 'snowflake'; Medallion runs on duckdb and databricks/);
  });

  it('build: load errors (an unknown ref, a cycle) stop the run before anything runs, unless --allow-load-errors', () => {
    const root = tempProject({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('missing') }}",
      'models/c.sql': "select * from {{ ref('d') }}",
      'models/d.sql': "select * from {{ ref('c') }}",
    });
    const stopped = medallion(['build'], root);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /^models\/b\.sql:1:\d+: error unknown-ref: /m);
    assert.match(stopped.stderr, /error cycle: /);
    assert.match(stopped.stderr, /^error: 3 errors in the project: nothing was run/m);
    assert.doesNotMatch(stopped.stdout, /\bOK\b|PASS=/, 'nothing may run');
    assert.equal(existsSync(join(root, 'target', 'test.duckdb')), false, 'no database may be created');
    const allowed = medallion(['build', '--allow-load-errors'], root);
    assert.equal(allowed.code, 1, 'the nodes the errors touch still fail');
    assert.match(allowed.stderr, /warning: 3 errors in the project; the nodes they touch will fail/);
    assert.match(allowed.stdout, /OK\b.*\ba\b/);
  });

  it('compile reports a failing model with its file and the cause, exit 1', () => {
    const r = medallion(['compile', 'gold_report'], testPath('fixtures', 'broken'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /models\/gold\/gold_report\.sql:2:\d+: error jinja-render: .*'old_model'/);
  });
});
