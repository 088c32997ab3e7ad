/**
 * The client's input read by a worker thread, so the server learns of `shutdown` and `exit` while
 * its main thread is busy in a synchronous load (a 10k-model project takes seconds): the worker
 * reads the input, hands every byte to the main thread unchanged and, on the side, splits the
 * messages to see each one's method. When a `shutdown` or `exit` arrives, or the input ends (the
 * client is gone), it raises a flag in shared memory that the main thread reads without its event
 * loop (`stopRequested`): the load polls it at every file it reads and gives up (workspace.ts),
 * the queued `shutdown` is then answered at once and `exit` ends the process.
 *
 * Two transports: `--stdio` (fd 0, LSP frames: headers and Content-Length bytes of JSON; the
 * connection reads the bytes from `input` as it would read stdin), and `--node-ipc` (the VS Code
 * client: node's IPC channel, one JSON text per line; `watchIpc`). Node's own reading of that
 * channel is stopped before it reads anything, the worker reads its fd, and the main thread parses
 * the lines and emits each message on `process` as node would (`'message'`), where
 * vscode-languageserver's IPC reader listens; `process.send` writes as before.
 */
import { StringDecoder } from 'node:string_decoder';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';

/** The worker's code (plain CommonJS, evaluated: the bundles need no second entry point). */
const WORKER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const flag = new Int32Array(workerData.flag);
const raise = () => { Atomics.store(flag, 0, 1); };
// Only the method is looked at, and only in small messages (shutdown and exit are a few dozen
// bytes): a large one (a document's text) is skipped as it streams by, never gathered.
const SMALL = 4096;
const look = (body) => {
  try {
    const method = JSON.parse(body.toString('utf8')).method;
    if (method === 'shutdown' || method === 'exit') raise();
  } catch {
    // Not JSON: the connection reports it; nothing to see here.
  }
};
let pending = Buffer.alloc(0);
let skip = 0;
// LSP frames: headers, a blank line, then Content-Length bytes of JSON.
const takeFrames = (chunk) => {
  if (skip > 0) {
    const n = Math.min(skip, chunk.length);
    skip -= n;
    chunk = chunk.subarray(n);
    if (chunk.length === 0) return;
  }
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  for (;;) {
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const m = /content-length:\s*(\d+)/i.exec(pending.subarray(0, end).toString('ascii'));
    const start = end + 4;
    if (!m) { pending = pending.subarray(start); continue; }
    const length = Number(m[1]);
    if (length > SMALL) {
      const here = Math.min(length, pending.length - start);
      skip = length - here;
      pending = pending.subarray(start + here);
      if (skip > 0) return;
      continue;
    }
    if (pending.length < start + length) return;
    const body = pending.subarray(start, start + length);
    pending = pending.subarray(start + length);
    look(body);
  }
};
// Node's IPC channel ('json' serialization): one JSON text per line. A line longer than SMALL is
// skipped up to its newline (skip < 0: inside a long line).
const takeLines = (chunk) => {
  let from = 0;
  for (;;) {
    const nl = chunk.indexOf(10, from);
    if (skip < 0) {
      if (nl < 0) return;
      skip = 0;
      from = nl + 1;
      continue;
    }
    if (nl < 0) {
      const rest = chunk.subarray(from);
      if (pending.length + rest.length > SMALL) { pending = Buffer.alloc(0); skip = -1; }
      else pending = pending.length ? Buffer.concat([pending, rest]) : rest;
      return;
    }
    const line = chunk.subarray(from, nl);
    if (pending.length + line.length <= SMALL) look(pending.length ? Buffer.concat([pending, line]) : line);
    pending = Buffer.alloc(0);
    from = nl + 1;
  }
};
const take = workerData.lines ? takeLines : takeFrames;
// A pipe or socket is read through the event loop (a read that can be dropped at exit); a blocking
// read in the thread pool would hold the process open after process.exit() until more input came.
// A file or a terminal (stdin not from a client) is read as a stream of the file.
// The IPC channel's fd is shared with the main thread (which writes to it): the worker never closes
// it (allowHalfOpen: its end does not destroy the socket), so a number reused later is never closed here.
let stream;
try {
  stream = new (require('node:net').Socket)({ fd: workerData.fd, readable: true, writable: false, allowHalfOpen: true });
} catch (err) {
  if (workerData.lines) throw err;
  stream = fs.createReadStream('', { fd: 0 });
}
stream.on('data', (chunk) => {
  parentPort.postMessage(chunk);
  take(chunk);
});
const end = () => { raise(); parentPort.postMessage(null); };
stream.on('end', end);
stream.on('error', end);
`;

export interface WatchedInput {
  /** What the connection reads instead of process.stdin: the same bytes, in order. */
  input: Readable;
  /** True once a `shutdown` or `exit` was read or the input ended, even while the main thread is busy. */
  stopRequested: () => boolean;
}

/** Starts the worker that reads `fd` (see above); the input it read goes to `input`, in order. */
function watch(fd: number, lines: boolean, input: Writable): () => boolean {
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const worker = new Worker(WORKER, { eval: true, workerData: { flag: shared, fd, lines }, stdin: false, stdout: false, stderr: false });
  worker.on('message', (chunk: Uint8Array | null) => {
    if (chunk === null) input.end();
    else input.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  worker.on('error', (err) => {
    Atomics.store(flag, 0, 1);
    input.destroy(err);
  });
  return () => Atomics.load(flag, 0) !== 0;
}

/** Starts the worker that reads stdin (see above). */
export function watchStdin(): WatchedInput {
  const input = new PassThrough();
  return { input, stopRequested: watch(0, false, input) };
}

/** Node's IPC handle of this process, where node keeps it (an internal field: absent, nothing is changed). */
interface ChannelHandle {
  fd: number;
  readStop(): number;
}
function channelHandle(): ChannelHandle | undefined {
  const key = Object.getOwnPropertySymbols(process).find((s) => s.description === 'kChannelHandle');
  const handle = key ? (process as unknown as Record<symbol, unknown>)[key] : undefined;
  if (!handle || typeof handle !== 'object') return undefined;
  const h = handle as Partial<ChannelHandle>;
  // Only node's 'json' serialization (one JSON text per line, what fork() uses unless told
  // otherwise): its handle holds the line buffer; 'advanced' (length-prefixed V8 values) is left to node.
  const json = Object.getOwnPropertySymbols(handle).some((s) => s.description === 'kJSONBuffer');
  return json && typeof h.readStop === 'function' && typeof h.fd === 'number' && h.fd >= 0 ? (h as ChannelHandle) : undefined;
}

/**
 * Over `--node-ipc`: the IPC channel read by the worker (see above), its messages emitted on
 * `process` as node emits them. Must be called before the event loop first runs (node has not
 * read the channel yet). Undefined, and node's channel left as it is, where this cannot be done:
 * no channel, Windows (a named pipe, not an fd a thread can read), a channel in node's
 * 'advanced' serialization, a node that keeps its handle elsewhere. `onEnd`: the channel ended (the client is gone).
 */
export function watchIpc(onEnd: () => void): (() => boolean) | undefined {
  if (process.platform === 'win32' || !process.send || !process.channel) return undefined;
  const handle = channelHandle();
  if (!handle || handle.readStop() !== 0) return undefined;
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (line: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      process.emitWarning(`medallion: a message on the IPC channel is not JSON (${line.length} characters); ignored`);
      return;
    }
    // Node's own messages (`{ cmd: 'NODE_...' }`: handles, cluster) are not the client's.
    const cmd = (message as { cmd?: unknown } | null)?.cmd;
    if (typeof cmd === 'string' && cmd.startsWith('NODE_')) return;
    process.emit('message', message, undefined);
  };
  const input = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop()!;
      for (const line of lines) emit(line);
      done();
    },
    final(done) {
      done();
      onEnd();
    },
  });
  return watch(handle.fd, true, input);
}
