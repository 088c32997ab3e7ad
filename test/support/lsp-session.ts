/**
 * The real `medallion lsp --stdio` on some workspace folders, for protocol-level tests of runs
 * and previews: requests, the run events and progress it sends, and waits on conditions (an event
 * seen), never on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { RunEventMessage } from '../../server/src/lsp/protocol';
import { testPath } from './golden';

export interface LspSession {
  rpc: MessageConnection;
  /** Every run event so far, in arrival order. */
  events: RunEventMessage[];
  /** Every work-done progress report so far ("begin: title", "report: message", ...). */
  progress: string[];
  /** Resolves once an event at or after index `since` matches. */
  eventWhere(match: (e: RunEventMessage) => boolean, since?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLsp(folders: string[], cwd = folders[0]!): Promise<LspSession> {
  const server: ChildProcess = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { cwd, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent' } });
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const events: RunEventMessage[] = [];
  const progress: string[] = [];
  const waiters: Array<{ match: (e: RunEventMessage) => boolean; resolve: () => void }> = [];
  rpc.onRequest('client/registerCapability', () => null);
  rpc.onRequest('window/workDoneProgress/create', () => null);
  rpc.onNotification('$/progress', (p: { value: { kind: string; title?: string; message?: string } }) => {
    progress.push(`${p.value.kind}: ${p.value.title ?? ''}${p.value.message ?? ''}`);
  });
  rpc.onNotification('medallion/runEvent', (e: RunEventMessage) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (!w.match(e)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  rpc.listen();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } }, workspaceFolders: folders.map((f, i) => ({ uri: pathToFileURL(f).toString(), name: `folder${i}` })) });
  await rpc.sendNotification('initialized', {});
  return {
    rpc,
    events,
    progress,
    eventWhere: (match, since = 0) => (events.slice(since).some(match) ? Promise.resolve() : new Promise((resolve) => waiters.push({ match, resolve }))),
    stop: async () => {
      await rpc.sendRequest('shutdown').catch(() => undefined);
      await rpc.sendNotification('exit').catch(() => undefined);
      rpc.dispose();
      server.kill();
    },
  };
}
