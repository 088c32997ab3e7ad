/**
 * The language server's concurrency pieces below the protocol: the engine registry (one DuckDB
 * instance per file, read-only for previews, closed with its last user), the run queue, analysis
 * versions pinned by a run, and on-save checks dropped when the document changed meanwhile.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Target } from '../server/src/core/profiles';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { EngineRegistry } from '../server/src/runner/engine-registry';
import { Lines } from '../server/src/lsp/convert';
import { RunQueue } from '../server/src/lsp/run-queue';
import { checkSavedDocument } from '../server/src/lsp/save-check';
import { OverlayHost, ProjectState } from '../server/src/lsp/workspace';
import { tempProject } from './support/temp-project';

const duckdb = (path: string): Target => ({ name: 'dev', type: 'duckdb', profileName: 'p', database: 'test', schema: 'main', threads: 1, settings: { path } }) as unknown as Target;

describe('engine registry: one DuckDB instance per database file', () => {
  it('a preview during a run shares its instance; what the run writes survives whichever closes last', async () => {
    const root = tempProject({});
    try {
      const registry = new EngineRegistry();
      const target = duckdb(join(root, 'target', 'test.duckdb'));
      const run = await registry.acquire(target, root, {}, 'run');
      const runSession = await run.acquire();
      await runSession.execute('create table t0 as select 1 as x');
      const preview = await registry.acquire(target, root, {}, 'preview');
      assert.deepEqual(registry.openFiles(), [join(root, 'target', 'test.duckdb')]);
      // Written after the preview opened; the run closes first (two instances lost exactly this table).
      await runSession.execute('create table t1 as select 2 as x');
      const previewSession = await preview.acquire();
      assert.deepEqual((await previewSession.execute('select x from t1')).rows, [[2]]);
      run.release(runSession);
      await run.close();
      assert.equal(registry.openFiles().length, 1, 'held while the preview needs it');
      preview.release(previewSession);
      await preview.close();
      assert.deepEqual(registry.openFiles(), [], 'closed with its last user');
      const again = await registry.acquire(target, root, {}, 'preview');
      const s = await again.acquire();
      assert.deepEqual((await s.execute("select table_name from duckdb_tables() order by 1")).rows, [['t0'], ['t1']]);
      // Read-only while no run holds it.
      await assert.rejects(s.execute('create table t2 as select 1'), /read-only|read only/i);
      again.release(s);
      await again.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a run waits for read-only previews to close, then opens the file writable; a cancelled run interrupts only its own statements', async () => {
    const root = tempProject({});
    try {
      const registry = new EngineRegistry();
      const target = duckdb(join(root, 'target', 'test.duckdb'));
      const first = await registry.acquire(target, root, {}, 'run');
      await (await first.acquire()).execute('create table t as select 1 as x');
      await first.close();
      const preview = await registry.acquire(target, root, {}, 'preview');
      let runOpened = false;
      const running = registry.acquire(target, root, {}, 'run').then((engine) => {
        runOpened = true;
        return engine;
      });
      // A preview asked for while the run waits waits with it (the run is not starved).
      const laterPreview = registry.acquire(target, root, {}, 'preview');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(runOpened, false, 'the run waits for the read-only preview');
      await preview.close();
      const run = await running;
      const session = await run.acquire();
      await session.execute('insert into t values (2)');
      const later = await laterPreview;
      const ps = await later.acquire();
      assert.deepEqual((await ps.execute('select count(*)::int from t')).rows, [[2]]);
      run.cancelAll();
      assert.deepEqual((await ps.execute('select 1')).rows, [[1]], 'the preview was not interrupted');
      await run.close();
      later.release(ps);
      await later.close();
      assert.deepEqual(registry.openFiles(), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('idle() (what shutdown waits for) resolves once the last user has closed the file, with what it wrote on disk', async () => {
    const root = tempProject({});
    try {
      const registry = new EngineRegistry();
      const path = join(root, 'target', 'test.duckdb');
      const run = await registry.acquire(duckdb(path), root, {}, 'run');
      const session = await run.acquire();
      await session.execute('create table written as select 42 as x');
      let idle = false;
      const waiting = registry.idle().then(() => (idle = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(idle, false, 'a run still holds the file');
      run.release(session);
      await run.close();
      await waiting;
      assert.deepEqual(registry.openFiles(), []);
      const again = await DuckDbEngine.open(duckdb(path), { projectRoot: root });
      try {
        const s = await again.acquire();
        assert.deepEqual((await s.execute('select x from written')).rows, [[42]]);
        again.release(s);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('one DuckDB instance per file per process', () => {
  it('a second engine on a file this process has open is refused (the one closing last would drop the other\'s writes); after the close it opens', async () => {
    const root = tempProject({});
    try {
      const target = duckdb(join(root, 'target', 'test.duckdb'));
      const first = await DuckDbEngine.open(target, { projectRoot: root });
      await assert.rejects(DuckDbEngine.open(target, { projectRoot: root }), /already open in this process/);
      await assert.rejects(DuckDbEngine.open(target, { projectRoot: root, readOnly: true }), /already open in this process/);
      await first.close();
      const again = await DuckDbEngine.open(target, { projectRoot: root, readOnly: true });
      await again.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('run queue', () => {
  it('a second run waits, is told what it waits for, and starts when the first ends; a run cancelled while waiting leaves the queue', async () => {
    const queue = new RunQueue();
    const waits: string[] = [];
    const leaveA = await queue.enter('run a', (r) => waits.push(r));
    const order: string[] = [];
    const b = queue.enter('run b', (r) => waits.push(r)).then((leave) => (order.push('b'), leave));
    const abort = new AbortController();
    const c = queue.enter('run c', (r) => waits.push(r), abort.signal);
    const d = queue.enter('run d', (r) => waits.push(r)).then((leave) => (order.push('d'), leave));
    abort.abort();
    await assert.rejects(c, /waiting for the running build/);
    assert.deepEqual(waits, ['run a', 'run a', 'run a']);
    assert.deepEqual(order, []);
    leaveA();
    const leaveB = await b;
    assert.equal(queue.current, 'run b');
    assert.deepEqual(order, ['b']);
    leaveB();
    (await d)();
    assert.deepEqual(order, ['b', 'd']);
    assert.equal(queue.current, undefined);
  });
});

describe('analysis versions and on-save checks', () => {
  const files = { 'models/a.sql': 'select 1 as id\n', 'models/b.sql': "select id from {{ ref('a') }}\n" };

  it('an edit while a run holds the analysis makes a new version; the held one is unchanged', () => {
    const root = tempProject(files);
    try {
      const host = new OverlayHost();
      const project = new ProjectState(root, host, {});
      // As the workspace does: the buffer overlays the disk, then the project takes the edit.
      const edit = (text: string): void => {
        host.overlays.set(join(root, 'models/b.sql'), text);
        project.edit(join(root, 'models/b.sql'), text);
      };
      const before = project.get();
      // Unheld: an edit applies in place.
      edit('select id, 2 as two from {{ ref(\'a\') }}\n');
      assert.equal(project.get(), before);
      const pinned = project.pin();
      edit('select 3 as three\n');
      const current = project.get();
      assert.notEqual(current, pinned.analysis, 'a new version');
      assert.equal(pinned.analysis.project.files.get('models/b.sql')?.text, "select id, 2 as two from {{ ref('a') }}\n");
      assert.deepEqual(pinned.analysis.project.nodes.get('model.p.b')?.dependsOn, ['model.p.a']);
      assert.equal(current.project.files.get('models/b.sql')?.text, 'select 3 as three\n');
      assert.deepEqual(current.project.nodes.get('model.p.b')?.dependsOn, []);
      // Once released, edits apply in place again.
      pinned.release();
      edit('select 4 as four\n');
      assert.equal(project.get(), current);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a check whose document changed while the engine answered is dropped', async () => {
    const root = tempProject({ 'models/a.sql': 'select from from\n' });
    try {
      const host = new OverlayHost();
      const project = new ProjectState(root, host, {});
      const where = { project, file: 'models/a.sql', path: join(root, 'models/a.sql') };
      let answer!: (p: { message: string; line: number }) => void;
      let version = 1;
      let scheduled = 0;
      const checking = checkSavedDocument(where, { text: 'select from from\n', version: 1 }, {
        check: () => new Promise((resolve) => (answer = resolve)),
        lines: new Lines(host),
        currentVersion: () => version,
        schedule: () => scheduled++,
      });
      // Edited (fixed) while the engine parses the saved text.
      version = 2;
      answer({ message: 'syntax error at or near "from"', line: 1 });
      assert.equal(await checking, false);
      assert.equal(project.engineProblems.size, 0);
      assert.equal(scheduled, 0);
      // A current answer is applied.
      const current = checkSavedDocument(where, { text: 'select from from\n', version: 2 }, { check: () => Promise.resolve({ message: 'syntax error', line: 1 }), lines: new Lines(host), currentVersion: () => version, schedule: () => scheduled++ });
      assert.equal(await current, true);
      assert.equal(project.engineProblems.get('models/a.sql')?.[0]?.code, 'sql-syntax');
      assert.equal(scheduled, 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
