/**
 * Landing files are validated on the real DuckDB engine (fault injection): a short or long row, a
 * value that does not convert, or bytes that are not UTF-8 fail that source with file, line and
 * column, and nothing of that load becomes visible; `meta.landing.on_bad_rows: reject` loads the
 * valid rows and keeps the bad ones in `<table>__rejects`. An empty landing folder fails only that
 * source's descendants.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { readProfile } from '../server/src/core/profiles';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runProject, type ProjectRunRequest, type ProjectRunResult } from '../server/src/runner/project-run';
import { tempProject, writeFile } from './support/temp-project';

async function build(root: string, extra: Partial<ProjectRunRequest> = {}): Promise<ProjectRunResult> {
  const host = new NodeFileHost();
  return runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env: {}, profilesDirs: [root], ...extra });
}

async function query(root: string, sql: string): Promise<unknown[][]> {
  const { target } = readProfile(readFileSync(join(root, 'profiles.yml'), 'utf8'), 'profiles.yml', 'p', undefined, (s) => s);
  const engine = await DuckDbEngine.open(target, { projectRoot: root });
  try {
    return (await (await engine.acquire()).execute(sql)).rows;
  } finally {
    await engine.close();
  }
}

const status = (s: ProjectRunResult): Record<string, string> => Object.fromEntries(s.results.map((r) => [r.name, r.status]));

function project(onBadRows?: string): Record<string, string> {
  const meta = onBadRows ? `{landing: {location: landing/orders/, on_bad_rows: ${onBadRows}}}` : '{landing: {location: landing/orders/}}';
  return {
    'models/sources.yml':
      'version: 2\nsources:\n  - name: landing\n    tables:\n' +
      `      - name: orders\n        meta: ${meta}\n        columns:\n          - {name: id, data_type: bigint}\n          - {name: qty, data_type: int}\n          - {name: note, data_type: varchar}\n` +
      '      - name: users\n        meta: {landing: {location: landing/users/}}\n',
    'models/bronze_orders.sql': "{{ config(materialized='table') }}\nselect * from {{ source('landing', 'orders') }}",
    'models/silver_orders.sql': "select * from {{ ref('bronze_orders') }}",
    'models/bronze_users.sql': "{{ config(materialized='table') }}\nselect * from {{ source('landing', 'users') }}",
    'landing/orders/orders_1.csv': 'id,qty,note\n1,5,first\n2,6,second\n',
    'landing/users/users_1.csv': 'id,name\n1,ann\n',
  };
}

const faults: Array<{ name: string; file: string; line: number; column: string; cause: RegExp }> = [
  { name: 'a row with too few fields', file: 'id,qty,note\n10,1,ok\n11,2\n12,3,ok\n', line: 3, column: 'column 3 (note)', cause: /Expected Number of Columns: 3 Found: 2/ },
  { name: 'a row with too many fields', file: 'id,qty,note\n10,1,ok\n11,2,x,extra\n', line: 3, column: 'column 4', cause: /Expected Number of Columns: 3 Found: 4/ },
  { name: 'a value that does not convert', file: 'id,qty,note\n10,1,ok\n11,abc,bad\n', line: 3, column: 'column 2 (qty)', cause: /Could not convert string "abc" to 'INTEGER'/ },
  { name: 'bytes that are not UTF-8', file: 'id,qty,note\n10,1,caf\xe9\n', line: 2, column: 'column 3 (note)', cause: /not utf-8/ },
];

describe('landing validation on DuckDB', () => {
  for (const fault of faults) {
    it(`${fault.name}: the source fails naming file, line and column; the previous load stays; other sources build`, async () => {
      const root = tempProject(project());
      const first = await build(root);
      assert.equal(status(first).bronze_orders, 'success');
      writeFile(root, 'landing/orders/orders_2.csv', '');
      // latin1 keeps \xe9 a single byte that is not valid UTF-8.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(root, 'landing/orders/orders_2.csv'), Buffer.from(fault.file, 'latin1'));
      const s = await build(root);
      const source = s.results.find((r) => r.uniqueId === 'source.p.landing.orders');
      assert.ok(source, 'the failed source is a result of the run');
      assert.equal(source.status, 'error');
      assert.match(source.message, new RegExp(`landing/orders/orders_2\\.csv:${fault.line}: ${fault.column.replace(/[()]/g, '\\$&')}`));
      assert.match(source.message, fault.cause);
      assert.equal(status(s).bronze_orders, 'skipped');
      assert.equal(status(s).silver_orders, 'skipped');
      assert.equal(status(s).bronze_users, 'success');
      // Nothing of the failed load is visible: the landing table and bronze hold the first load.
      assert.deepEqual(await query(root, 'select id from main.bronze_orders order by id'), [['1'], ['2']]);
      assert.deepEqual(await query(root, 'select count(*) from landing.orders'), [['2']]);
    });
  }

  it('never a one-column read: a bad row in the first file still fails (no sniffing of the dialect)', async () => {
    const root = tempProject({ ...project(), 'landing/orders/orders_1.csv': 'id,qty,note\n1,5\n' });
    const s = await build(root);
    assert.equal(s.results.find((r) => r.uniqueId === 'source.p.landing.orders')?.status, 'error');
    assert.equal(status(s).bronze_orders, 'skipped');
  });

  it('on_bad_rows: reject loads the valid rows, keeps the bad ones in <table>__rejects and counts them', async () => {
    const root = tempProject({ ...project('reject'), 'landing/orders/orders_2.csv': 'id,qty,note\n3,1,ok\n4,abc,bad\n5,2\n6,4,"5"" screen"\n' });
    const s = await build(root);
    assert.equal(status(s).bronze_orders, 'success');
    assert.equal(s.results.some((r) => r.status === 'error'), false);
    assert.deepEqual(await query(root, 'select id, note from main.bronze_orders order by id'), [['1', 'first'], ['2', 'second'], ['3', 'ok'], ['6', '5" screen']]);
    const orders = s.landing.find((l) => l.source === 'landing.orders')!;
    assert.deepEqual({ rows: orders.rows, rejected: orders.rejected, rejects: orders.rejectsRelation }, { rows: 4, rejected: 2, rejects: '"test"."landing"."orders__rejects"' });
    assert.deepEqual(await query(root, 'select file, line, column_name from landing.orders__rejects order by line'), [
      ['landing/orders/orders_2.csv', '3', 'qty'],
      ['landing/orders/orders_2.csv', '4', 'note'],
    ]);
  });

  it('on_bad_rows with an unknown value is an error for that source', async () => {
    const s = await build(tempProject(project('drop')));
    const source = s.results.find((r) => r.uniqueId === 'source.p.landing.orders')!;
    assert.equal(source.status, 'error');
    assert.match(source.message, /on_bad_rows 'drop'.*fail, reject/);
  });

  it('an empty landing folder fails only that source and its descendants', async () => {
    const files = project();
    delete files['landing/orders/orders_1.csv'];
    const root = tempProject(files);
    mkdirSync(join(root, 'landing/orders'), { recursive: true });
    const s = await build(root);
    assert.equal(s.fatal, undefined);
    const source = s.results.find((r) => r.uniqueId === 'source.p.landing.orders')!;
    assert.equal(source.status, 'error');
    assert.match(source.message, /No \.csv files in the landing folder/);
    assert.deepEqual({ bronze: status(s).bronze_orders, silver: status(s).silver_orders, users: status(s).bronze_users }, { bronze: 'skipped', silver: 'skipped', users: 'success' });
  });

  it('quotes inside fields, BOM, CRLF and multi-line fields read as written', async () => {
    const root = tempProject({ ...project(), 'landing/orders/orders_1.csv': '\ufeffid,qty,note\r\n1,5,5" screen\r\n2,6,"two\r\nlines"\r\n3,7,""\r\n' });
    const s = await build(root);
    assert.equal(status(s).bronze_orders, 'success');
    assert.deepEqual(await query(root, 'select id, note from main.bronze_orders order by id'), [['1', '5" screen'], ['2', 'two\r\nlines'], ['3', null]]);
  });
});
