/**
 * The editor side of the workflows, below VS Code: the run options a request's state/defer/
 * favorState become (what "Run Modified" and the deferral setting send), the freshness summary the
 * Models view can mark stale sources with, the state status views can mark changed nodes with, and
 * the client's pure helpers. The server registers these with registerWorkflowHandlers.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, utimesSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { staleSources, stateRunParams } from '../client/src/workflow-settings';
import { analyzeProject } from '../server/src/core/analysis';
import { fixedClock } from '../server/src/core/clock';
import { freshnessSummary, runStateOptions, stateStatus } from '../server/src/lsp/workflow-handlers';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runFreshness } from '../server/src/runner/freshness';
import { testPath } from './support/golden';
import { editedWorkflows } from './support/workflows';

describe('workflows for editors', () => {
  it('the client\'s state settings become run options; without a folder, none', () => {
    assert.deepEqual(stateRunParams({ path: '', defer: true, favorState: true }), {});
    assert.deepEqual(stateRunParams({ path: ' prod-artifacts ', defer: false, favorState: true }), { state: 'prod-artifacts' });
    assert.deepEqual(stateRunParams({ path: 'prod-artifacts', defer: true, favorState: true }), { state: 'prod-artifacts', defer: true, favorState: true });
  });

  it('runStateOptions: the state read as the CLI reads it; deferral without a manifest is a problem', () => {
    const root = mkdtempSync(join(tmpdir(), 'medallion-state-opts-'));
    cpSync(testPath('fixtures', 'workflows'), root, { recursive: true });
    cpSync(testPath('goldens', 'dbt', 'workflows', 'state'), join(root, 'prod-artifacts'), { recursive: true });
    const ok = runStateOptions(root, 'target', { state: 'prod-artifacts', defer: true });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.defer?.favorState, false);
    assert.ok(ok.defer?.manifest.nodes.has('model.workflows.orders_by_customer'));
    assert.match(runStateOptions(root, 'target', { defer: true }).problems.join('\n'), /Deferral needs a state folder/);
    assert.match(runStateOptions(root, 'target', { state: 'nowhere' }).problems.join('\n'), /--state nowhere: no such folder/);
  });

  it('stateStatus: what changed against the state folder, for views to mark', () => {
    const root = editedWorkflows();
    cpSync(testPath('goldens', 'dbt', 'workflows', 'state'), join(root, 'prod-artifacts'), { recursive: true });
    const status = stateStatus(root, analyzeProject(new NodeFileHost(), root), 'prod-artifacts');
    assert.deepEqual(status.new, ['model.workflows.new_model']);
    assert.ok(status.modified.includes('model.workflows.stg_orders') && !status.modified.includes('model.workflows.stg_customers'));
  });

  it('freshnessSummary: the last check, stale sources worst first', async () => {
    const root = mkdtempSync(join(tmpdir(), 'medallion-fresh-view-'));
    cpSync(testPath('fixtures', 'workflows'), root, { recursive: true });
    const host = new NodeFileHost();
    const analysis = analyzeProject(host, root);
    assert.deepEqual(freshnessSummary(root, analysis), { root, generatedAt: null, sources: [] });
    const now = new Date('2025-06-01T12:00:00Z');
    for (const f of readdirSync(join(root, 'landing-data', 'customers'))) utimesSync(join(root, 'landing-data', 'customers', f), now, now);
    await runFreshness(host, analysis, { env: {}, profilesDirs: [root], clock: fixedClock(now) });
    const summary = freshnessSummary(root, analysis);
    assert.equal(summary.generatedAt, '2025-06-01T12:00:00.000Z');
    assert.deepEqual(staleSources(summary).map((s) => [s.name, s.status]), [['landing.orders_strict', 'error'], ['landing.orders', 'warn'], ['landing.orders_filtered', 'warn']]);
    assert.equal(summary.sources.find((s) => s.name === 'landing.customers')?.ageSeconds, 0);
  });
});
