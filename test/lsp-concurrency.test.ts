/**
 * The language server's concurrency model at the protocol level (the real `medallion lsp --stdio`
 * on a small DuckDB project): one DuckDB instance per database file, held only while a run or a
 * preview needs it; a preview during a run sees a node before or after it is built; a second run
 * waits, visibly, for the running one; a run compiles the analysis version it started with, not
 * edits made while it runs. Waits on conditions (run events, request answers), never on time.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { RunEventMessage, RunResultMessage, ShowResult } from '../server/src/lsp/protocol';
import { testPath } from './support/golden';

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
}

describe('language server concurrency: one DuckDB per file, a run queue, pinned analysis versions', { timeout: 180_000 }, () => {
  let server: ChildProcess;
  let rpc: MessageConnection;
  let root: string;
  const events: Array<RunEventMessage & { at: number }> = [];
  const progress: string[] = [];
  let seq = 0;
  const eventWaiters: Array<{ match: (e: RunEventMessage) => boolean; resolve: () => void }> = [];
  const uri = (rel: string): string => pathToFileURL(join(root, rel)).toString();
  const eventWhere = (match: (e: RunEventMessage) => boolean, since = 0): Promise<void> => {
    if (events.slice(since).some(match)) return Promise.resolve();
    return new Promise((resolve) => eventWaiters.push({ match, resolve }));
  };
  const cli = (...args: string[]): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, [testPath('..', 'bin', 'medallion.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent', NO_COLOR: '1' } });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'medallion-lspc-'));
    writeProject(root);
    server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent' } });
    rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.onNotification('$/progress', (p: { value: { kind: string; title?: string; message?: string } }) => {
      progress.push(`${p.value.kind}: ${p.value.title ?? ''}${p.value.message ?? ''}`);
    });
    rpc.onNotification('medallion/runEvent', (e: RunEventMessage) => {
      events.push({ ...e, at: seq++ });
      for (const w of [...eventWaiters]) {
        if (w.match(e)) {
          eventWaiters.splice(eventWaiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    rpc.listen();
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } }, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'conc' }] });
    await rpc.sendNotification('initialized', {});
  });

  after(async () => {
    await rpc.sendRequest('shutdown').catch(() => undefined);
    await rpc.sendNotification('exit').catch(() => undefined);
    rpc.dispose();
    server.kill();
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
    assert.ok(progress.some((p) => /waiting for the running build/.test(p)), progress.join('\n'));
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
