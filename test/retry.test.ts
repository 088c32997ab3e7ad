/**
 * `medallion retry` and `result:` selectors against the pinned dbt-core (test/goldens/dbt/workflows/
 * retry.json, from scripts/dbt-workflow-goldens.sh): test/fixtures/workflows built with
 * models/marts/flaky.sql broken gives every node dbt's status; after the repair, `retry` runs exactly
 * what dbt retry runs, with dbt's statuses; `result:` selectors against the first build's
 * artifacts pick what `dbt ls` picks. The real command, on the real embedded DuckDB.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { selectNodes } from '../server/src/core/selector';
import { retryPlan } from '../server/src/core/state';
import { NodeFileHost } from '../server/src/node/fs-host';
import { readPreviousState } from '../server/src/runner/state-files';
import { testPath } from './support/golden';

const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'retry.json'), 'utf8')) as {
  build: Record<string, string>;
  retry: Record<string, string>;
  ls: Record<string, string[]>;
};

const bin = testPath('..', 'bin', 'medallion.js');
function medallion(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function statuses(root: string): Record<string, string> {
  const results = JSON.parse(readFileSync(join(root, 'target', 'run_results.json'), 'utf8')) as { results: Array<{ unique_id: string; status: string }> };
  return Object.fromEntries(results.results.filter((r) => !r.unique_id.startsWith('source.')).map((r) => [r.unique_id, r.status]));
}

describe('retry and result: selectors, as dbt-core (test/fixtures/workflows)', () => {
  const root = mkdtempSync(join(tmpdir(), 'medallion-retry-'));
  cpSync(testPath('fixtures', 'workflows'), root, { recursive: true });
  const flaky = join(root, 'models', 'marts', 'flaky.sql');
  const repaired = readFileSync(flaky, 'utf8');

  it('a build with a broken model: dbt\'s statuses', () => {
    writeFileSync(flaky, repaired.replace('select customer_id, orders from', 'select customer_id, no_such_column from'));
    const r = medallion(['build', '--quiet'], root);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(statuses(root), golden.build);
    cpSync(join(root, 'target'), join(root, 'state'), { recursive: true });
  });

  it('result: selectors against that build pick what dbt ls picks', () => {
    const analysis = analyzeProject(new NodeFileHost(), root);
    const { state, problems } = readPreviousState(root, 'state', join(root, 'target'));
    assert.deepEqual(problems, []);
    for (const [selector, expected] of Object.entries(golden.ls)) {
      const { ids } = selectNodes(analysis.graph, { select: [selector], state: state! });
      assert.deepEqual([...ids].sort(), expected.sort(), selector);
    }
  });

  it('retry after the repair: the previous command on what did not succeed, with dbt\'s statuses', () => {
    writeFileSync(flaky, repaired);
    const r = medallion(['retry'], root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Retrying `build`: 4 nodes that did not succeed in target\/run_results\.json/);
    assert.deepEqual(statuses(root), golden.retry);
    const again = medallion(['retry'], root);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing to do: every node of the previous `build` succeeded/);
  });

  it('without --state, result: says what it needs; a state folder that is not there is an error', () => {
    const analysis = analyzeProject(new NodeFileHost(), root);
    assert.match(selectNodes(analysis.graph, { select: ['result:error'] }).problems.join('\n'), /'result:error' compares with a previous run: pass --state DIR/);
    const r = medallion(['ls', '-s', 'result:error', '--state', 'no-such-folder'], root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--state no-such-folder: no such folder/);
  });

  it('retryPlan: statuses dbt retries, hooks never', () => {
    const plan = retryPlan({ args: { which: 'run' }, results: ['error', 'fail', 'skipped', 'success', 'pass', 'warn'].map((status, i) => ({ uniqueId: `model.p.m${i}`, status })).concat([{ uniqueId: 'operation.p.p-on-run-start-0', status: 'error' }]) });
    assert.deepEqual(plan, { command: 'run', ids: new Set(['model.p.m0', 'model.p.m1', 'model.p.m2']) });
  });
});
