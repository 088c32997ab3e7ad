/**
 * The language server's concurrency model at the protocol level (the real `medallion lsp --stdio`
 * on a small DuckDB project): one DuckDB instance per database file, held only while a run or a
 * preview needs it; a preview during a run sees a node before or after it is built; a second run
 * waits, visibly, for the running one (of the project, or of another project on the same DuckDB
 * file); a run compiles the analysis version it started with, not
 * edits made while it runs. Waits on conditions (run events, request answers), never on time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc/node';
import type { RunEventMessage, RunResultMessage, ShowResult } from '../server/src/lsp/protocol';
import { testPath } from './support/golden';
import { startLsp, type LspSession } from './support/lsp-session';

/** A table whose build takes a noticeable while (a large filtered cross product), so requests can arrive during it. */
const slowModel = (v: number): string =>
  `{{ config(materialized='table') }}\nselect ${v} as v, (select count(*) from range(9000) a, range(9000) b where a.range * 7 + b.range = -1) as heavy\n`;

function writeProject(root: string): void {
  mkdirSync(join(root, 'models'), { recursive: true });
  writeFileSync(join(root, 'dbt_project.yml'), "name: conc\nversion: '1.0'\nprofile: conc\nmodel-paths: ['models']\n");
  writeFileSync(join(root, 'models', 'slow.sql'), slowModel(1));
  // Never run, only previewed: its query takes several times as long as building `slow`.
  writeFileSync(join(root, 'models', 'huge.sql'), 'select count(*) as n from range(20000) a, range(20000) b where a.range * 7 + b.range = -1\n');
  writeFileSync(join(root, 'models', 'reader.sql'), "{{ config(materialized='view') }}\nselect v, heavy from {{ ref('slow') }}\n");
  // `early` is built first and leaves its writes in DuckDB's write-ahead log while `late` builds.
  writeFileSync(join(root, 'models', 'early.sql'), "{{ config(materialized='table') }}\nselect 3 as v\n");
  writeFileSync(join(root, 'models', 'late.sql'), "{{ config(materialized='table') }}\nselect v, (select count(*) from range(9000) a, range(9000) b where a.range * 7 + b.range = -1) as heavy, 4 as w from {{ ref('early') }}\n");
  // Only previewed, and cancelled: a query that would run for minutes.
  writeFileSync(join(root, 'models', 'endless.sql'), 'select count(*) as n from range(1000000) a, range(1000000) b where a.range * 7 + b.range = -1\n');
}

describe('language server concurrency: one DuckDB per file, a run queue, pinned analysis versions', { timeout: 180_000 }, () => {
  let lsp: LspSession;
  let rpc: MessageConnection;
  let root: string;
  let events: RunEventMessage[];
  const uri = (rel: string): string => pathToFileURL(join(root, rel)).toString();
  const eventWhere = (match: (e: RunEventMessage) => boolean, since = 0): Promise<void> => lsp.eventWhere(match, since);
  const cli = (...args: string[]): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, [testPath('..', 'bin', 'medallion.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent', NO_COLOR: '1' } });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'medallion-lspc-'));
    writeProject(root);
    lsp = await startLsp([root]);
    ({ rpc, events } = lsp);
  });

  after(async () => {
    await lsp.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const run = (select: string[]): Promise<RunResultMessage> => rpc.sendRequest<RunResultMessage>('medallion/run', { select, command: 'run' });
  const show = (rel: string): Promise<ShowResult> => rpc.sendRequest<ShowResult>('medallion/show', { uri: uri(rel) });

  it('after a run and a preview, the idle server holds no DuckDB file: `medallion build` in a terminal succeeds', { timeout: 60_000 }, async () => {
    const first = await run(['slow', 'reader']);
    assert.equal(first.fatal, null);
    assert.deepEqual(first.results.map((r) => `${r.name}:${r.status}`).sort(), ['reader:success', 'slow:success']);
    const shown = await show('models/reader.sql');
    assert.equal(shown.error, null);
    assert.deepEqual(shown.rows, [[1, '0']]);
    const build = cli('build');
    assert.equal(build.status, 0, build.out);
  });

  it('a preview during a run shares its DuckDB and sees a node before or after it is built, never half; what the run built survives a preview that outlasts it', { timeout: 60_000 }, async () => {
    writeFileSync(join(root, 'models', 'slow.sql'), slowModel(2));
    await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('models/slow.sql'), type: 2 }] });
    const since = events.length;
    const running = run(['slow']);
    await eventWhere((e) => e.kind === 'start' && e.name === 'slow', since);
    // A long preview that outlasts the run: with two instances on the file, the one closing last
    // wrote its older state over the run's table.
    const long = show('models/huge.sql');
    const during = await show('models/reader.sql');
    assert.equal(during.error, null, 'a preview during a run answers');
    assert.equal(during.rows.length, 1);
    assert.ok([1, 2].includes(Number(during.rows[0]![0])), JSON.stringify(during.rows));
    assert.equal((await running).results[0]?.status, 'success');
    assert.deepEqual((await long).rows, [['0']]);
    // Reopened after both released it: the run's table is there.
    assert.deepEqual((await show('models/reader.sql')).rows, [[2, '0']]);
    assert.equal(cli('build', '-s', 'reader').status, 0);
    assert.deepEqual((await show('models/reader.sql')).rows, [[2, '0']]);
  });

  it('a preview that starts while a run has unflushed writes and ends after the run shares its instance: no error, and what the run built is there', { timeout: 90_000 }, async () => {
    // What this run builds differs from what any earlier build left.
    writeFileSync(join(root, 'models', 'late.sql'), readFileSync(join(root, 'models', 'late.sql'), 'utf8').replace('4 as w', '7 as w'));
    await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('models/late.sql'), type: 2 }] });
    const since = events.length;
    const running = run(['early', 'late']);
    await eventWhere((e) => e.kind === 'start' && e.name === 'late', since);
    // `early` sits in the write-ahead log now; a second instance of this process on the file is
    // refused (engines/duckdb/engine.ts), so this fails unless the preview shares the run's.
    const cancel = new CancellationTokenSource();
    const endless = rpc.sendRequest<ShowResult>('medallion/show', { uri: uri('models/endless.sql') }, cancel.token);
    const result = await running;
    assert.deepEqual(result.results.map((r) => `${r.name}:${r.status}`), ['early:success', 'late:success']);
    cancel.cancel();
    const stopped = await endless.catch((err: Error) => ({ error: err.message }) as ShowResult);
    assert.match(stopped.error ?? '', /cancel|interrupt/i, 'the endless preview was cancelled');
    const late = await show('models/late.sql');
    assert.equal(late.error, null, 'the table the run built is there');
    assert.deepEqual(late.rows, [[3, '0', 7]]);
  });

  it('a second run waits for the running one, visibly, and starts after it finished', { timeout: 60_000 }, async () => {
    const since = events.length;
    const firstRun = run(['slow']);
    await eventWhere((e) => e.kind === 'start' && e.name === 'slow', since);
    const secondRun = run(['reader']);
    await eventWhere((e) => e.kind === 'phase' && /waiting for the running build/.test(e.message ?? ''), since);
    const [a, b] = await Promise.all([firstRun, secondRun]);
    assert.equal(a.results[0]?.status, 'success');
    assert.equal(b.results[0]?.status, 'success');
    const slowDone = events.findIndex((e, i) => i >= since && e.kind === 'finish' && e.name === 'slow');
    const readerStart = events.findIndex((e, i) => i >= since && e.kind === 'start' && e.name === 'reader');
    assert.ok(slowDone >= 0 && readerStart > slowDone, 'the second run started after the first finished');
    assert.ok(lsp.progress.some((p) => /waiting for the running build/.test(p)), lsp.progress.join('\n'));
  });

  it('an edit made during a run does not change what the run compiles', { timeout: 60_000 }, async () => {
    const readerText = readFileSync(join(root, 'models', 'reader.sql'), 'utf8');
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri('models/reader.sql'), languageId: 'jinja-sql', version: 1, text: readerText } });
    const since = events.length;
    const running = run(['slow', 'reader']);
    await eventWhere((e) => e.kind === 'start' && e.name === 'slow', since);
    // Unsaved, while `slow` builds: `reader` has not been compiled yet.
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri('models/reader.sql'), version: 2 }, contentChanges: [{ text: readerText.replace('select v,', 'select v + 100 as v,') }] });
    const result = await running;
    assert.deepEqual(result.results.map((r) => `${r.name}:${r.status}`), ['slow:success', 'reader:success']);
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { compiled_code?: string }> };
    const compiled = manifest.nodes['model.conc.reader']?.compiled_code ?? '';
    assert.match(compiled, /select v, heavy from/);
    assert.doesNotMatch(compiled, /v \+ 100/);
    // The next run takes the edit.
    await run(['reader']);
    assert.deepEqual((await show('models/slow.sql')).rows.length, 1);
    const after = JSON.parse(readFileSync(join(root, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { compiled_code?: string }> };
    assert.match(after.nodes['model.conc.reader']?.compiled_code ?? '', /v \+ 100/);
  });

  it('medallion/depsStatus answers (the deps handlers are registered)', { timeout: 30_000 }, async () => {
    const status = await rpc.sendRequest<{ projectRoot?: string; reason?: string }>('medallion/depsStatus', { uri: uri('models/slow.sql') });
    assert.equal(status.projectRoot, root);
    assert.equal(status.reason, undefined, 'no packages.yml: nothing to install');
  });
});

describe('language server concurrency: two projects whose profiles share one DuckDB file', { timeout: 120_000 }, () => {
  let lsp: LspSession;
  let parent: string;
  const projects = ['alpha', 'beta'];

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'medallion-lspc2-'));
    const shared = join(parent, 'shared.duckdb');
    for (const name of projects) {
      const root = join(parent, name);
      mkdirSync(join(root, 'models'), { recursive: true });
      writeFileSync(join(root, 'dbt_project.yml'), `name: ${name}\nversion: '1.0'\nprofile: ${name}\nmodel-paths: ['models']\n`);
      writeFileSync(join(root, 'profiles.yml'), `${name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${JSON.stringify(shared)}\n      schema: ${name}\n      threads: 2\n`);
    }
    writeFileSync(join(parent, 'alpha', 'models', 'alpha_slow.sql'), slowModel(5));
    writeFileSync(join(parent, 'beta', 'models', 'beta_quick.sql'), "{{ config(materialized='table') }}\nselect 6 as v\n");
    lsp = await startLsp(projects.map((p) => join(parent, p)));
  });

  after(async () => {
    await lsp.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it('a run of one waits, visibly, for the other\'s run on that file, then runs', async () => {
    const at = (project: string, rel: string): string => pathToFileURL(join(parent, project, rel)).toString();
    const run = (project: string, model: string): Promise<RunResultMessage> => lsp.rpc.sendRequest<RunResultMessage>('medallion/run', { uri: at(project, `models/${model}.sql`), command: 'run' });
    const alpha = run('alpha', 'alpha_slow');
    await lsp.eventWhere((e) => e.kind === 'start' && e.name === 'alpha_slow');
    const beta = run('beta', 'beta_quick');
    const [a, b] = await Promise.all([alpha, beta]);
    assert.ok(lsp.events.some((e) => e.kind === 'phase' && /waiting for .*shared\.duckdb/.test(e.message ?? '')), 'beta was told what it waits for');
    assert.deepEqual([...a.results, ...b.results].map((r) => `${r.name}:${r.status}`), ['alpha_slow:success', 'beta_quick:success']);
    const alphaDone = lsp.events.findIndex((e) => e.kind === 'finish' && e.name === 'alpha_slow');
    const betaStart = lsp.events.findIndex((e) => e.kind === 'start' && e.name === 'beta_quick');
    assert.ok(alphaDone >= 0 && betaStart > alphaDone, `beta started after alpha finished: ${JSON.stringify(lsp.events.map((e) => `${e.kind} ${e.name ?? e.message}`))}`);
    assert.ok(lsp.progress.some((p) => /waiting for .*shared\.duckdb/.test(p)), lsp.progress.join('\n'));
  });
});
