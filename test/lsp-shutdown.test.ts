/**
 * Shutdown while background work runs: the real `medallion lsp --stdio` on a generated project
 * large enough that its first load (or its first column model) is still running when `shutdown`
 * arrives. The
 * answer must come promptly and `exit` must end the process (0 after shutdown, 1 without, as the
 * LSP spec says). Conditions are waited on (notifications, the process's 'exit'), never time.
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { generateProject } from '../bench/generate-project';
import { testPath } from './support/golden';

/** Enough typed models that binding them all takes seconds (it takes ~1 ms per model at best). */
const MODELS = 3000;
/** Promptly, with room for a loaded shared machine: the bug took ~15 s. */
const PROMPT_MS = 2000;

type Transport = 'stdio' | 'ipc';

interface Started {
  server: ChildProcess;
  rpc: MessageConnection;
  exited: Promise<number | null>;
  columnsDone: () => boolean;
  analysed: () => boolean;
}

/**
 * Starts the server and opens one model; waits for its analysis (the column model then starts),
 * or with `untilLoadStarts` only until the server announces the load (`medallion/analysisStarted`:
 * the load starts once that is written, and blocks the server's main thread until it ends).
 */
async function startAndTouch(root: string, untilLoadStarts = false, transport: Transport = 'stdio'): Promise<Started> {
  const env = { ...process.env, HOME: '/nonexistent' };
  // Over IPC as VS Code's client starts it: dist/lsp-server.js forked with `--node-ipc`.
  const server =
    transport === 'ipc'
      ? fork(testPath('..', 'dist', 'lsp-server.js'), ['--node-ipc'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env })
      : spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env });
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  const rpc =
    transport === 'ipc'
      ? createMessageConnection(new IPCMessageReader(server), new IPCMessageWriter(server))
      : createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  rpc.onRequest('client/registerCapability', () => null);
  let columns = false;
  rpc.onNotification('medallion/columnsComplete', () => {
    columns = true;
  });
  let analysed: () => void = () => undefined;
  let complete = false;
  const analysis = new Promise<void>((r) => (analysed = r));
  rpc.onNotification('medallion/analysisComplete', () => {
    complete = true;
    analysed();
  });
  let loading: () => void = () => undefined;
  const loadStarted = new Promise<void>((r) => (loading = r));
  rpc.onNotification('medallion/analysisStarted', () => loading());
  rpc.listen();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'p' }] });
  await rpc.sendNotification('initialized', {});
  const file = firstSql(join(root, 'models'));
  await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(file).toString(), languageId: 'jinja-sql', version: 1, text: readFileSync(file, 'utf8') } });
  await (untilLoadStarts ? loadStarted : analysis);
  return { server, rpc, exited, columnsDone: () => columns, analysed: () => complete };
}

function firstSql(dir: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.sql')) return full;
    if (entry.isDirectory()) {
      try {
        return firstSql(full);
      } catch {
        // no model below: try the next folder
      }
    }
  }
  throw new Error(`no .sql file under ${dir}`);
}

/** Resolves with the promise's value, or rejects naming `what` after `ms` (a bound, not a wait). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

describe('LSP shutdown while the column model is computed', { timeout: 180_000 }, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'medallion-shutdown-'));
    generateProject(root, MODELS, 'shutdown_project', { typedColumns: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('answers shutdown promptly and exits with 0 on exit', async (t) => {
    const s = await startAndTouch(root);
    try {
      assert.equal(s.columnsDone(), false, 'the column model finished before shutdown: the project is too small to show the bug');
      const t0 = performance.now();
      await within(s.rpc.sendRequest('shutdown'), PROMPT_MS, 'shutdown');
      const shutdownMs = performance.now() - t0;
      await s.rpc.sendNotification('exit');
      const code = await within(s.exited, PROMPT_MS, 'exit');
      t.diagnostic(`shutdown answered in ${Math.round(shutdownMs)} ms, exited ${Math.round(performance.now() - t0)} ms after shutdown was sent`);
      assert.equal(code, 0);
      assert.ok(shutdownMs < PROMPT_MS, `shutdown answered in ${shutdownMs} ms`);
    } finally {
      s.rpc.dispose();
      s.server.kill();
    }
  });

  it('exits with 1 on exit without shutdown, even mid-computation', async () => {
    const s = await startAndTouch(root);
    try {
      assert.equal(s.columnsDone(), false, 'the column model finished before exit: the project is too small to show the bug');
      await s.rpc.sendNotification('exit');
      assert.equal(await within(s.exited, PROMPT_MS, 'exit'), 1);
    } finally {
      s.rpc.dispose();
      s.server.kill();
    }
  });
});

for (const transport of ['stdio', 'ipc'] as const) {
  describe(`LSP shutdown while the first load runs (${transport})`, { timeout: 180_000 }, () => {
    let root: string;
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'medallion-shutdown-load-'));
      // Its load takes ~0.5-1 s: far longer than a message takes to arrive, shorter than the bound.
      generateProject(root, MODELS, 'shutdown_load_project');
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('answers shutdown before the load ends (the load is abandoned) and exits with 0', async (t) => {
      const s = await startAndTouch(root, true, transport);
      try {
        // A large message first (a document's text): the transport's watcher skips its body and still
        // sees what follows; then a non-ASCII text, whose bytes a read may split.
        await s.rpc.sendNotification('$/medallionTestPadding', { text: 'x'.repeat(200_000) });
        await s.rpc.sendNotification('$/medallionTestPadding', { text: 'é€😀'.repeat(30_000) });
        const t0 = performance.now();
        await within(s.rpc.sendRequest('shutdown'), PROMPT_MS, 'shutdown');
        const shutdownMs = performance.now() - t0;
        // Without the stop, the server answers only after the load, whose analysisComplete comes first.
        assert.equal(s.analysed(), false, 'the load ran to its end before shutdown was answered');
        await s.rpc.sendNotification('exit');
        const code = await within(s.exited, PROMPT_MS, 'exit');
        t.diagnostic(`shutdown answered in ${Math.round(shutdownMs)} ms during the load`);
        assert.equal(code, 0);
        assert.equal(s.analysed(), false);
      } finally {
        s.rpc.dispose();
        s.server.kill();
      }
    });

    it('exits with 1 on exit without shutdown during the load, without finishing it', async () => {
      const s = await startAndTouch(root, true, transport);
      try {
        await s.rpc.sendNotification('exit');
        assert.equal(await within(s.exited, PROMPT_MS, 'exit'), 1);
        assert.equal(s.analysed(), false, 'the load ran to its end before exit');
      } finally {
        s.rpc.dispose();
        s.server.kill();
      }
    });
  });
}
