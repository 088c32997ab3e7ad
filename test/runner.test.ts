/**
 * The runner on the real embedded DuckDB: dbt's materialization semantics, tests, unit tests,
 * failure isolation, cancellation and atomic builds. Each case builds a small project on disk.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { readProfile } from '../server/src/core/profiles';
import { runProject, type ProjectRunRequest } from '../server/src/runner/project-run';
import type { RunCommand } from '../server/src/runner/types';
import type { ProjectRunResult as RunSummary } from '../server/src/runner/project-run';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempProject, writeFile } from './support/temp-project';
import { testPath } from './support/golden';

async function run(root: string, command: RunCommand = 'build', extra: Partial<ProjectRunRequest> = {}): Promise<RunSummary> {
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  return runProject(host, analysis, { command, threads: 0, env: {}, profilesDirs: [root], ...extra });
}

async function query(root: string, sql: string): Promise<unknown[][]> {
  const { target } = readProfile(readFileSync(join(root, 'profiles.yml'), 'utf8'), 'profiles.yml', 'p', undefined, (s) => s);
  const engine = await DuckDbEngine.open(target, { projectRoot: root });
  try {
    const session = await engine.acquire();
    return (await session.execute(sql)).rows;
  } finally {
    await engine.close();
  }
}

const status = (s: RunSummary): Record<string, string> => Object.fromEntries(s.results.map((r) => [r.name, r.status]));

describe('runner: materializations on DuckDB', () => {
  it('view, table, ephemeral and seeds with column_types', async () => {
    const root = tempProject({
      'seeds/kinds.csv': 'id,code\n1,007\n2,042\n',
      'seeds/props.yml': 'version: 2\nseeds:\n  - name: kinds\n    config:\n      column_types:\n        code: varchar\n',
      'models/base.sql': "{{ config(materialized='ephemeral') }}\nselect id, code from {{ ref('kinds') }}",
      'models/as_view.sql': "select * from {{ ref('base') }}",
      'models/as_table.sql': "{{ config(materialized='table') }}\nselect count(*) as n, max(code) as top from {{ ref('as_view') }}",
    });
    const s = await run(root);
    assert.deepEqual(status(s), { kinds: 'success', base: 'success', as_view: 'success', as_table: 'success' });
    assert.deepEqual(await query(root, 'select n, top from main.as_table'), [['2', '042']]);
    assert.deepEqual(await query(root, "select table_type from information_schema.tables where table_name = 'as_view'"), [['VIEW']]);
  });

  it('many nodes creating the same new schema at once do not conflict (regression: catalog write-write conflict)', async () => {
    const files: Record<string, string> = { 'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nmodels:\n  p:\n    +schema: fresh\n    +materialized: table\n' };
    for (let i = 0; i < 12; i++) files[`models/m${i}.sql`] = `select ${i} as id`;
    const s = await run(tempProject(files), 'run', { threadsOverride: 4 });
    assert.deepEqual([...new Set(s.results.map((r) => r.status))], ['success']);
  });

  for (const strategy of ['append', 'delete+insert', 'merge'] as const) {
    it(`incremental ${strategy}: first a table, then only new rows; --full-refresh rebuilds`, async () => {
      const key = strategy === 'append' ? '' : ", unique_key=['id', 'part']";
      const root = tempProject({
        'seeds/src.csv': 'id,part,v\n1,a,10\n2,a,20\n',
        'models/inc.sql': `{{ config(materialized='incremental', incremental_strategy='${strategy}'${key}) }}\nselect id, part, v from {{ ref('src') }}\n{% if is_incremental() %}where v > (select max(v) from {{ this }}) or id = 2{% endif %}`,
      });
      await run(root);
      assert.deepEqual(await query(root, 'select id, v from main.inc order by id, v'), [['1', '10'], ['2', '20']]);
      writeFile(root, 'seeds/src.csv', 'id,part,v\n1,a,10\n2,a,25\n3,b,30\n');
      await run(root);
      const expected = strategy === 'append' ? [['1', '10'], ['2', '20'], ['2', '25'], ['3', '30']] : [['1', '10'], ['2', '25'], ['3', '30']];
      assert.deepEqual(await query(root, 'select id, v from main.inc order by id, v'), expected);
      await run(root, 'build', { fullRefresh: true });
      assert.deepEqual(await query(root, 'select id, v from main.inc order by id, v'), [['1', '10'], ['2', '25'], ['3', '30']]);
    });
  }

  it('on_schema_change: fail refuses and keeps the table, append_new_columns adds the column', async () => {
    const root = tempProject({
      'models/inc.sql': "{{ config(materialized='incremental', on_schema_change='fail') }}\nselect 1 as id",
    });
    await run(root);
    writeFile(root, 'models/inc.sql', "{{ config(materialized='incremental', on_schema_change='fail') }}\nselect 2 as id, 'x' as extra");
    const failed = await run(root);
    assert.equal(failed.results[0]!.status, 'error');
    assert.match(failed.results[0]!.message, /schema of inc changed \(added: extra/);
    assert.deepEqual(await query(root, 'select * from main.inc'), [[1]]);
    writeFile(root, 'models/inc.sql', "{{ config(materialized='incremental', on_schema_change='append_new_columns') }}\nselect 2 as id, 'x' as extra");
    await run(root);
    assert.deepEqual(await query(root, 'select id, extra from main.inc order by id'), [[1, null], [2, 'x']]);
  });

  it('a failing incremental leaves its table unchanged', async () => {
    const root = tempProject({ 'models/inc.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, 'a' as v" });
    await run(root);
    writeFile(root, 'models/inc.sql', "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, cast('not a number' as integer) as v");
    const s = await run(root);
    assert.equal(s.results[0]!.status, 'error');
    assert.match(s.results[0]!.message, /Could not convert string 'not a number'/);
    assert.deepEqual(await query(root, 'select id, v from main.inc'), [[1, 'a']]);
  });

  it('snapshots (timestamp): changed rows are closed and get a new version; hard deletes invalidated', async () => {
    const root = tempProject({
      'seeds/items.csv': 'id,name,updated\n1,apple,2024-01-01 00:00:00\n2,pear,2024-01-01 00:00:00\n',
      'snapshots/items_snap.sql': "{% snapshot items_snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated', target_schema='snap', hard_deletes='invalidate') }}\nselect * from {{ ref('items') }}\n{% endsnapshot %}",
    });
    await run(root);
    writeFile(root, 'seeds/items.csv', 'id,name,updated\n1,green apple,2024-02-01 00:00:00\n3,fig,2024-02-01 00:00:00\n');
    await run(root);
    const rows = await query(root, 'select id, name, dbt_valid_from, dbt_valid_to is null as current from snap.items_snap order by id, dbt_valid_from');
    assert.deepEqual(rows.map((r) => [r[0], r[1], r[3]]), [['1', 'apple', false], ['1', 'green apple', true], ['2', 'pear', false], ['3', 'fig', true]]);
    const scd = await query(root, 'select count(distinct dbt_scd_id) from snap.items_snap');
    assert.deepEqual(scd, [['4']]);
  });
});

describe('runner: tests, unit tests and failures', () => {
  it('severity: an error test fails and skips descendants in build; a warn test does not', async () => {
    const root = tempProject({
      'models/a.sql': 'select 1 as id union all select 1',
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': 'select 2 as id union all select 2',
      'models/d.sql': "select * from {{ ref('c') }}",
      'models/props.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n  - name: c\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              config:\n                severity: warn\n',
    });
    const s = await run(root);
    assert.deepEqual(status(s), { a: 'success', c: 'success', unique_a_id: 'fail', unique_c_id: 'warn', b: 'skipped', d: 'success' });
    assert.equal(s.results.find((r) => r.name === 'unique_a_id')!.failures, 1);
    assert.match(s.results.find((r) => r.name === 'b')!.message, /skipped: unique_a_id failed/);
  });

  it('bad SQL in one model: named with the engine error; other branches still run', async () => {
    const root = tempProject({
      'models/good.sql': 'select 1 as x',
      'models/bad.sql': 'select nonsense_column from (select 1 as x)',
      'models/after_bad.sql': "select * from {{ ref('bad') }}",
      'models/after_good.sql': "select * from {{ ref('good') }}",
    });
    const s = await run(root, 'run');
    assert.deepEqual(status(s), { bad: 'error', good: 'success', after_bad: 'skipped', after_good: 'success' });
    const bad = s.results.find((r) => r.name === 'bad')!;
    assert.equal(bad.file, 'models/bad.sql');
    assert.match(bad.message, /Referenced column "nonsense_column" not found/);
  });

  it('a landing file with a bad row: the CSV line and file are named, no table is created', async () => {
    const root = tempProject({
      'models/sources.yml': 'version: 2\nsources:\n  - name: landing\n    tables:\n      - name: orders\n        meta: {landing: {location: landing/orders/}}\n        columns:\n          - {name: id, data_type: bigint}\n          - {name: qty, data_type: int}\n',
      'models/bronze_orders.sql': "{{ config(materialized='table') }}\nselect * from {{ source('landing', 'orders') }}",
      'landing/orders/orders_1.csv': 'id,qty\n1,5\n2,abc\n3,7\n',
    });
    const s = await run(root);
    const r = s.results.find((x) => x.uniqueId === 'source.p.landing.orders')!;
    assert.equal(r.status, 'error');
    assert.match(r.message, /landing\/orders\/orders_1\.csv:3: column 2 \(qty\)/);
    assert.doesNotMatch(r.message, /sample_size/);
    assert.equal(s.results.find((x) => x.name === 'bronze_orders')!.status, 'skipped');
    assert.deepEqual(await query(root, "select table_name from information_schema.tables where table_name like 'bronze_orders%'"), []);
  });

  it('where, error_if/warn_if and store_failures', async () => {
    const root = tempProject({
      'models/m.sql': 'select * from (values (1), (2), (3), (null)) t(v)',
      'models/props.yml':
        'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: v\n        data_tests:\n          - not_null:\n              config:\n                where: "v is null or v > 0"\n                error_if: ">5"\n                warn_if: ">0"\n                store_failures: true\n',
    });
    const s = await run(root, 'build');
    const test = s.results.find((r) => r.resourceType === 'test')!;
    assert.equal(test.status, 'warn');
    assert.equal(test.failures, 1);
    assert.deepEqual(await query(root, 'select count(*) from main_dbt_test__audit.not_null_m_v'), [['1']]);
  });

  it('store_failures_as without store_failures stores failures as dbt does (table, view; ephemeral does not), the limit applied', async () => {
    const yml = (notNullAs: string): string =>
      'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: v\n        data_tests:\n' +
      `          - not_null:\n              config:\n                store_failures_as: ${notNullAs}\n                limit: 2\n` +
      '          - unique:\n              config:\n                store_failures: true\n                store_failures_as: ephemeral\n' +
      "          - accepted_values:\n              arguments:\n                values: [1, 2]\n              config:\n                store_failures_as: table\n";
    const root = tempProject({ 'models/m.sql': 'select * from (values (1), (2), (3), (3), (null), (null), (null)) t(v)', 'models/props.yml': yml('view') });
    const s = await run(root, 'build');
    assert.deepEqual(status(s), { m: 'success', not_null_m_v: 'fail', unique_m_v: 'fail', accepted_values_m_v__1__2: 'fail' });
    // The limit applies to what is stored and to the count read from it.
    assert.equal(s.results.find((r) => r.name === 'not_null_m_v')!.failures, 2);
    const kinds = "select table_name, table_type from information_schema.tables where table_schema = 'main_dbt_test__audit' order by table_name";
    assert.deepEqual(await query(root, kinds), [
      ['accepted_values_m_v__1__2', 'BASE TABLE'],
      ['not_null_m_v', 'VIEW'],
    ]);
    assert.deepEqual(await query(root, 'select count(*) from main_dbt_test__audit.not_null_m_v'), [['2']]);
    // The manifest names the relations of the tests that store failures, and only those.
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; relation_name: string | null }> };
    const relationNames = Object.fromEntries(Object.values(manifest.nodes).map((n) => [n.name, n.relation_name]));
    assert.match(String(relationNames.not_null_m_v), /"main_dbt_test__audit"\."not_null_m_v"$/);
    assert.equal(relationNames.unique_m_v, null);
    // A view stored by the last run gives way to a table.
    writeFile(root, 'models/props.yml', yml('table'));
    await run(root, 'build');
    assert.deepEqual(await query(root, kinds), [
      ['accepted_values_m_v__1__2', 'BASE TABLE'],
      ['not_null_m_v', 'BASE TABLE'],
    ]);
  });

  it('--store-failures stores the failures of tests whose store_failures config is not set, as a table', async () => {
    const yml =
      'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: v\n        data_tests:\n          - not_null\n' +
      '          - unique:\n              config:\n                store_failures: false\n' +
      "          - accepted_values:\n              arguments:\n                values: [1, 2]\n              config:\n                store_failures_as: view\n";
    const root = tempProject({ 'models/m.sql': 'select * from (values (1), (2), (3), (3), (null)) t(v)', 'models/props.yml': yml });
    const s = await run(root, 'build', { storeFailures: true });
    assert.deepEqual(status(s), { m: 'success', not_null_m_v: 'fail', unique_m_v: 'fail', accepted_values_m_v__1__2: 'fail' });
    const kinds = "select table_name, table_type from information_schema.tables where table_schema = 'main_dbt_test__audit' order by table_name";
    assert.deepEqual(await query(root, kinds), [
      ['accepted_values_m_v__1__2', 'VIEW'],
      ['not_null_m_v', 'BASE TABLE'],
    ]);
    assert.deepEqual(await query(root, 'select count(*) from main_dbt_test__audit.not_null_m_v'), [['1']]);
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; relation_name: string | null }> };
    const relationNames = Object.fromEntries(Object.values(manifest.nodes).map((n) => [n.name, n.relation_name]));
    assert.match(String(relationNames.not_null_m_v), /"main_dbt_test__audit"\."not_null_m_v"$/);
    assert.equal(relationNames.unique_m_v, null);
    const results = JSON.parse(readFileSync(join(root, 'target', 'run_results.json'), 'utf8')) as { args: Record<string, unknown> };
    assert.equal(results.args.store_failures, true);
  });

  it('unit tests: pass, and a readable diff on failure', async () => {
    const files = {
      'models/src.sql': 'select 1 as id, 10 as qty, 2.5 as price',
      'models/amounts.sql': "select id, qty * price as amount from {{ ref('src') }}",
      'models/unit.yml':
        "version: 2\nunit_tests:\n  - name: amount_is_qty_times_price\n    model: amounts\n    given:\n      - input: ref('src')\n        rows:\n          - {id: 1, qty: 2, price: 3.0}\n          - {id: 2, qty: 4, price: 0.5}\n    expect:\n      rows:\n        - {id: 1, amount: 6.0}\n        - {id: 2, amount: 2.0}\n",
    };
    const ok = await run(tempProject(files));
    assert.equal(ok.results.find((r) => r.resourceType === 'unit_test')!.status, 'pass');
    const bad = await run(tempProject({ ...files, 'models/amounts.sql': "select id, qty + price as amount from {{ ref('src') }}" }));
    const unit = bad.results.find((r) => r.resourceType === 'unit_test')!;
    assert.equal(unit.status, 'fail');
    assert.match(unit.message, /- 1 \| 6\.0/);
    assert.match(unit.message, /\+ 1 \| 5\.0/);
    assert.equal(status(bad).amounts, 'skipped');
  });

  it('artifacts: run_results.json and manifest.json in dbt\'s shape', async () => {
    const root = tempProject({ 'models/a.sql': 'select 1 as id', 'models/b.sql': "select * from {{ ref('a') }}" });
    const s = await run(root);
    const results = JSON.parse(readFileSync(join(root, 'target', 'run_results.json'), 'utf8'));
    assert.equal(results.metadata.dbt_schema_version, 'https://schemas.getdbt.com/dbt/run-results/v6.json');
    assert.deepEqual(results.results.map((r: { unique_id: string; status: string }) => [r.unique_id, r.status]), [['model.p.a', 'success'], ['model.p.b', 'success']]);
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.nodes['model.p.b'].depends_on.nodes, ['model.p.a']);
    assert.equal(manifest.nodes['model.p.b'].relation_name, '"test"."main"."b"');
    assert.deepEqual(manifest.child_map['model.p.a'], ['model.p.b']);
    assert.deepEqual(s.artifacts.map((p) => p.split('/').pop()), ['manifest.json', 'run_results.json']);
  });
});

describe('runner: cancellation and interrupted runs', () => {
  const slow = 'select count(*) as n from range(3000000000) a';

  it('cancel stops a running statement; nothing is half-built', async () => {
    const root = tempProject({ 'models/slow.sql': `{{ config(materialized='table') }}\n${slow}`, 'models/quick.sql': 'select 1 as x' });
    const controller = new AbortController();
    const s = await run(root, 'run', {
      signal: controller.signal,
      threadsOverride: 1,
      onEvent: (e) => {
        if (e.kind === 'start' && e.node.name === 'slow') setImmediate(() => controller.abort());
      },
    });
    assert.equal(s.cancelled, true);
    assert.ok(s.results.some((r) => r.name === 'slow' && r.status === 'cancelled'));
    assert.deepEqual(await query(root, "select table_name from information_schema.tables where table_name like 'slow%'"), []);
  });

  it('a killed process: the rerun succeeds and the old table was intact meanwhile', async () => {
    const root = tempProject({ 'models/t.sql': "{{ config(materialized='table') }}\nselect 1 as version" });
    await run(root);
    writeFile(root, 'models/t.sql', `{{ config(materialized='table') }}\nselect 2 as version, (${slow}) as n`);
    const child = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'run', '--project', root], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Kill it once the build of t has started (its START line is printed), never on a timer.
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('START')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.on('exit', resolve));
    assert.deepEqual(await query(root, 'select version from main.t'), [[1]]);
    writeFile(root, 'models/t.sql', "{{ config(materialized='table') }}\nselect 3 as version");
    const s = await run(root);
    assert.equal(s.results[0]!.status, 'success');
    assert.deepEqual(await query(root, 'select version from main.t'), [[3]]);
  });
});
