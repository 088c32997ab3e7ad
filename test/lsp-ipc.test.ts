/** The bundled server the VS Code client starts (dist/lsp-server.js) answers over node IPC. */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { testPath } from './support/golden';

describe('language server over node IPC (as the VS Code client starts it)', () => {
  it('initializes and answers a definition', async () => {
    const child = fork(testPath('..', 'dist', 'lsp-server.js'), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, HOME: '/nonexistent' } });
    const rpc = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    rpc.listen();
    try {
      const root = testPath('..', 'models');
      const init = await rpc.sendRequest<{ serverInfo: { name: string } }>('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'sample' }] });
      assert.equal(init.serverInfo.name, 'medallion');
      await rpc.sendNotification('initialized', {});
      const file = pathToFileURL(`${root}/models/silver/silver_orders.sql`).toString();
      const def = await rpc.sendRequest<{ uri: string }>('textDocument/definition', { textDocument: { uri: file }, position: { line: 8, character: 14 } });
      assert.equal(def?.uri, pathToFileURL(`${root}/models/bronze/bronze_orders.sql`).toString());
      await rpc.sendRequest('shutdown');
    } finally {
      rpc.dispose();
      child.kill();
    }
  });

  it('ends when the client closes the channel (its input is read by a worker, not by node)', async () => {
    const child = fork(testPath('..', 'dist', 'lsp-server.js'), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, HOME: '/nonexistent' } });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const rpc = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    rpc.listen();
    try {
      await rpc.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
      child.disconnect();
      // Without a shutdown first: 1, as when stdio's input ends.
      assert.equal(await exited, 1);
    } finally {
      rpc.dispose();
      child.kill();
    }
  });

  it("answers a client forking with node's 'advanced' serialization (node reads that channel itself)", async () => {
    const child = fork(testPath('..', 'dist', 'lsp-server.js'), ['--node-ipc'], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, HOME: '/nonexistent' } });
    const rpc = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    rpc.listen();
    // A server that never answers (its input read as JSON lines) is ended, which fails the request: a bound, not a wait.
    const bound = setTimeout(() => child.kill(), 30_000);
    try {
      const init = await rpc.sendRequest<{ serverInfo: { name: string } }>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
      assert.equal(init.serverInfo.name, 'medallion');
      await rpc.sendRequest('shutdown');
    } finally {
      clearTimeout(bound);
      rpc.dispose();
      child.kill();
    }
  });
});
