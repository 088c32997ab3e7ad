/**
 * The workflows through the language server, as the editor asks for them: `medallion/run` with
 * the state folder and deferral the client's settings send (Run Modified is `build state:modified+`),
 * `medallion/stateStatus` and `medallion/sourceFreshness`. On test/fixtures/workflows edited as the
 * dbt goldens edit it, production built on the real DuckDB, its own manifest.json as the state.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runProject } from '../server/src/runner/project-run';
import type { ModelsFolder, ModelsResult, ModelsTreeNode, RunParams, RunResultMessage, SourceFreshnessResult, StateStatusResult } from '../server/src/lsp/protocol';
import { testPath } from './support/golden';
import { editedWorkflows } from './support/workflows';

const goldenDefer = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'state', 'defer.json'), 'utf8')) as Record<string, { status: string }>;

describe('workflows through the language server (test/fixtures/workflows, real DuckDB)', () => {
  let root: string;
  let rpc: MessageConnection;
  let child: ChildProcess;
  const run = (params: RunParams): Promise<RunResultMessage> => rpc.sendRequest<RunResultMessage>('medallion/run', params);
  const statuses = (r: RunResultMessage): Record<string, string> => Object.fromEntries(r.results.filter((x) => !x.uniqueId.startsWith('source.')).map((x) => [x.uniqueId, x.status]));

  before(async () => {
    root = editedWorkflows({ build: true });
    // Production: the unedited fixture built with target prod into the same database file; its target/ is the state.
    const prodRoot = mkdtempSync(join(tmpdir(), 'medallion-lsp-prod-'));
    cpSync(testPath('fixtures', 'workflows'), prodRoot, { recursive: true });
    const host = new NodeFileHost();
    const prod = await runProject(host, analyzeProject(host, prodRoot), { command: 'build', threads: 0, env: {}, profilesDirs: [prodRoot], target: 'prod' });
    assert.equal(prod.fatal, undefined);
    mkdirSync(join(root, 'target'), { recursive: true });
    mkdirSync(join(root, 'prod-artifacts'), { recursive: true });
    cpSync(join(prodRoot, 'target', 'workflows.duckdb'), join(root, 'target', 'workflows.duckdb'));
    cpSync(join(prodRoot, 'target', 'manifest.json'), join(root, 'prod-artifacts', 'manifest.json'));

    child = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent' } });
    rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.listen();
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'workflows' }], initializationOptions: {} });
    await rpc.sendNotification('initialized', {});
  });

  after(async () => {
    await rpc.sendRequest('shutdown').catch(() => undefined);
    await rpc.sendNotification('exit').catch(() => undefined);
    rpc.dispose();
    child.kill();
  });

  it('stateStatus: what changed against the state folder', async () => {
    const status = await rpc.sendRequest<StateStatusResult>('medallion/stateStatus', { state: 'prod-artifacts' });
    assert.deepEqual(status.problems, []);
    assert.deepEqual(status.new, ['model.workflows.new_model']);
    assert.ok(status.modified.includes('model.workflows.stg_orders'), status.modified.join(', '));
    assert.ok(!status.modified.includes('model.workflows.stg_customers'));
  });

  it('Run Modified with deferral: build state:modified+ reads unbuilt parents from production, as dbt build --defer does', async () => {
    const r = await run({ command: 'build', select: ['state:modified+'], state: 'prod-artifacts', defer: true });
    assert.equal(r.fatal, null);
    // The nodes dbt's own `build -s state:modified+ --defer` ran, with the same statuses.
    assert.deepEqual(statuses(r), Object.fromEntries(Object.entries(goldenDefer).map(([id, v]) => [id, v.status])));
  });

  it('without deferral the model whose parent exists only in production fails', async () => {
    const r = await run({ command: 'run', select: ['new_model'], state: 'prod-artifacts' });
    assert.deepEqual(statuses(r), { 'model.workflows.new_model': 'error' });
    assert.match(r.results[0]!.message ?? '', /stg_customers/);
  });

  it('a state folder that cannot be read is refused with why, nothing runs', async () => {
    await assert.rejects(run({ command: 'build', select: ['state:modified+'], state: 'nowhere', defer: true }), /nowhere: no such folder/);
    await assert.rejects(run({ command: 'build', defer: true }), /Deferral needs a state folder/);
  });

  it('sourceFreshness: the last check (none yet), then a check on the warehouse and the landing files', async () => {
    const none = await rpc.sendRequest<SourceFreshnessResult>('medallion/sourceFreshness', {});
    assert.deepEqual(none.sources, []);
    const checked = await rpc.sendRequest<SourceFreshnessResult>('medallion/sourceFreshness', { check: true });
    assert.ok(checked.generatedAt);
    assert.ok(checked.sources.length >= 3, JSON.stringify(checked.sources));
    assert.ok(checked.sources.every((s) => ['pass', 'warn', 'error', 'runtime error'].includes(s.status)), JSON.stringify(checked.sources));
    // loaded_at of 2024: held to a day it is past error_after, held to 12 hours (error after 100000 days) a warning.
    const byName = Object.fromEntries(checked.sources.map((s) => [s.name, s.status]));
    assert.equal(byName['landing.orders_strict'], 'error');
    assert.equal(byName['landing.orders'], 'warn');
  });

  it('the Models view: sources carry the last freshness check, exposures are listed on their own', async () => {
    const { projects } = await rpc.sendRequest<ModelsResult>('medallion/models', {});
    const project = projects[0]!;
    const all = (folders: ModelsFolder[]): ModelsTreeNode[] => folders.flatMap((f) => [...f.nodes, ...all(f.folders)]);
    const nodes = [...project.layers.flatMap((l) => l.nodes), ...all(project.folders ?? [])];
    const checked = await rpc.sendRequest<SourceFreshnessResult>('medallion/sourceFreshness', {});
    const sources = nodes.filter((n) => n.resourceType === 'source');
    assert.deepEqual(Object.fromEntries(sources.filter((n) => n.freshness).map((n) => [n.id, n.freshness!.status])), Object.fromEntries(checked.sources.map((s) => [s.id, s.status])));
    const strict = sources.find((n) => n.name === 'landing.orders_strict')!;
    assert.equal(strict.freshness?.checkedAt, checked.generatedAt);
    assert.ok(strict.freshness!.ageSeconds! > 86400);
    assert.match(strict.freshness!.age!, /^\d+d$/);
    assert.equal(sources.find((n) => n.name === 'landing.countries')!.freshness, undefined, 'no freshness criteria: not measured');
    assert.deepEqual(project.exposures?.map((e) => [e.name, e.resourceType, e.materialized]), [['churn_model', 'exposure', 'ml'], ['customer_dashboard', 'exposure', 'dashboard']]);
    const dashboard = project.exposures![1]!;
    assert.equal(dashboard.uri, pathToFileURL(join(root, 'models', 'marts', 'exposures.yml')).toString());
    assert.match(readFileSync(join(root, 'models', 'marts', 'exposures.yml'), 'utf8').split('\n')[dashboard.range.start.line]!, /name: customer_dashboard/);
  });
});
