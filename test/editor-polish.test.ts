/** Editor helpers as pure functions: CTEs under the cursor (core/sql-ctes.ts) and run feedback in dbt's words (client/src/run-log.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cteAt, cteQuery, ctesOf } from '../server/src/core/sql-ctes';
import { countResults, doneLine, logLine, runOutcome, shortRelation, statusesFromRunResults, statusText } from '../client/src/run-log';
import { parseMarkers } from './support/markers';

describe('CTEs of a model', () => {
  const model = `{{ config(materialized='table') }}
with orders as (
    select * from {{ ref('stg_orders') }} -- a comment with ( parenthesis
),
paid as (
    select order_id, sum(amount) as amount from orders where status = 'paid )' group by 1
),
"final cte" as (select * from paid)
select * from "final cte"`;

  it('lists the chain and finds the CTE at a position (Jinja, strings and comments skipped)', () => {
    assert.deepEqual(ctesOf(model).map((c) => c.name), ['orders', 'paid', 'final cte']);
    const { text, cursor } = parseMarkers(model.replace('sum(amount)', 'sum(am‸ount)'));
    assert.equal(cteAt(text, cursor!)?.name, 'paid');
    assert.equal(cteAt(model, model.indexOf('with orders') + 6)?.name, 'orders');
    assert.equal(cteAt(model, model.length - 3), undefined);
  });

  it('a query selecting from one CTE of the compiled SQL: the chain up to it', () => {
    const compiled = 'with __dbt__cte__eph as (select 1 as x), orders as (select * from "db"."main"."stg_orders"), paid as (select * from orders)\nselect * from paid';
    assert.equal(cteQuery(compiled, 'orders'), 'with __dbt__cte__eph as (select 1 as x), orders as (select * from "db"."main"."stg_orders")\nselect * from orders');
    assert.equal(cteQuery(compiled, 'nope'), undefined);
    assert.equal(cteQuery('select 1', 'x'), undefined);
  });
});

describe('run feedback in dbt\'s words', () => {
  it('log lines with relation, rows, duration and n of N; failures at error level', () => {
    assert.equal(shortRelation('"medallion"."silver"."silver_orders"'), 'silver.silver_orders');
    assert.equal(shortRelation('`cat`.`gold`.`x`'), 'gold.x');
    const start = logLine({ kind: 'start', name: 'silver_orders', index: 2, total: 5, resourceType: 'model', materialized: 'table', relation: '"medallion"."silver"."silver_orders"' });
    assert.match(start.text, /^2 of 5 START sql table model silver\.silver_orders \.+ \[RUN\]$/);
    const ok = logLine({ kind: 'finish', name: 'silver_orders', status: 'success', index: 2, total: 5, resourceType: 'model', relation: '"medallion"."silver"."silver_orders"', rows: 300, seconds: 0.0512 });
    assert.match(ok.text, /^2 of 5 OK created sql table model silver\.silver_orders \.+ \[SELECT 300 in 0\.05s\]$/);
    assert.equal(ok.level, 'info');
    const fail = logLine({ kind: 'finish', name: 'unique_x', status: 'fail', index: 3, total: 5, resourceType: 'test', failures: 2, seconds: 0.01, message: 'Got 2 results, configured to fail if != 0' });
    assert.deepEqual([fail.level, fail.detail], ['error', 'Got 2 results, configured to fail if != 0']);
    assert.match(fail.text, /^3 of 5 FAIL 2 unique_x \.+ \[FAIL 2 in 0\.01s\]$/);
    const error = logLine({ kind: 'finish', name: 'g', status: 'error', index: 4, total: 5, resourceType: 'model', materialized: 'view', relation: '"m"."gold"."g"', message: 'Catalog Error', seconds: 0.04 });
    assert.deepEqual([error.level, error.detail], ['error', 'Catalog Error']);
    assert.match(error.text, /^4 of 5 ERROR creating sql view model gold\.g \.+ \[ERROR in 0\.04s\]$/);
    assert.match(logLine({ kind: 'finish', name: 'not_null_x', status: 'error', index: 5, total: 5, resourceType: 'test' }).text, /^5 of 5 ERROR not_null_x \.+ \[ERROR\]$/);
    assert.match(logLine({ kind: 'finish', name: 's', status: 'success', index: 1, total: 5, resourceType: 'seed', relation: '"m"."bronze"."s"', rows: 12, seconds: 0.1 }).text, /OK loaded seed file bronze\.s \.+ \[INSERT 12 in 0\.10s\]$/);
  });

  it('status bar: counts, nothing selected, a fatal error is not "0 ok"', () => {
    const r = (status: string) => ({ uniqueId: `model.p.${status}`, name: status, status, message: '', seconds: 0, file: '' });
    const result = { target: 'dev', cancelled: false, fatal: null, elapsedSeconds: 1.5, results: [r('success'), r('pass'), r('error'), r('skipped'), r('warn')] };
    assert.deepEqual(countResults(result.results), { ok: 2, failed: 1, warned: 1, skipped: 1 });
    assert.equal(statusText(result), 'dev: 2 ok · 1 failed · 1 warned · 1 skipped');
    assert.equal(doneLine(result), 'Done in 1.50s. PASS=2 WARN=1 ERROR=1 SKIP=1 TOTAL=5');
    assert.equal(statusText({ ...result, results: [] }), 'dev: nothing selected');
    assert.equal(statusText({ ...result, results: [], fatal: 'Catalog Error' }), 'dev: run failed');
  });

  it('a run cancelled before any node ran is neither an error nor a new last run', () => {
    const r = { uniqueId: 'model.p.a', name: 'a', status: 'skipped', message: '', seconds: 0, file: '' };
    const base = { target: 'dev', cancelled: false, fatal: null, elapsedSeconds: 0, results: [] };
    assert.equal(runOutcome({ ...base, cancelled: true, fatal: 'Cancelled while waiting for the running build' }), 'cancelled-before-start');
    assert.equal(runOutcome({ ...base, fatal: 'Catalog Error' }), 'fatal');
    assert.equal(runOutcome({ ...base, cancelled: true, fatal: 'connection lost', results: [r] }), 'fatal');
    assert.equal(runOutcome(base), 'nothing-selected');
    assert.equal(runOutcome({ ...base, cancelled: true, results: [r] }), 'ran');
  });

  it('statuses read back from run_results.json; anything else gives none', () => {
    const text = JSON.stringify({ metadata: { generated_at: '2024-05-01T10:00:00Z' }, results: [{ unique_id: 'model.p.a', status: 'success', message: 'OK' }, { unique_id: 'test.p.t', status: 'fail' }, { status: 'x' }] });
    const restored = statusesFromRunResults(text);
    assert.deepEqual(restored.map((s) => [s.id, s.status]), [['model.p.a', 'success'], ['test.p.t', 'fail']]);
    assert.equal(restored[0]!.at!.toISOString(), '2024-05-01T10:00:00.000Z');
    assert.deepEqual(statusesFromRunResults('not json'), []);
    assert.deepEqual(statusesFromRunResults('{"results": 3}'), []);
  });
});
