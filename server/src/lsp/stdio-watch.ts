/**
 * The stdio transport read by a worker thread, so the server learns of `shutdown` and `exit`
 * while its main thread is busy in a synchronous load (a 10k-model project takes seconds): the
 * worker reads fd 0, hands every byte to the main thread unchanged (the connection reads them from
 * `input` as it would read stdin) and, on the side, splits the LSP frames to see each message's
 * method. When a `shutdown` or `exit` arrives, or the input ends (the client is gone), it raises a
 * flag in shared memory that the main thread reads without its event loop (`stopRequested`): the
 * load polls it at every file it reads and gives up (workspace.ts), the queued `shutdown` is then
 * answered at once and `exit` ends the process.
 *
 * Only for `--stdio`. Over IPC (`--node-ipc`, the VS Code client) the messages come through the
 * main thread's own channel, which a worker cannot read; there the load still runs to its end.
 */
import { PassThrough, type Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';

/** The worker's code (plain CommonJS, evaluated: the bundles need no second entry point). */
const WORKER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const flag = new Int32Array(workerData.flag);
const raise = () => { Atomics.store(flag, 0, 1); };
// Frames: headers, a blank line, then Content-Length bytes of JSON. Only the method is looked at,
// and only in small bodies (shutdown and exit are a few dozen bytes): a large one (a document's
// text) is skipped as it streams by, never gathered.
const SMALL = 4096;
let pending = Buffer.alloc(0);
let skip = 0;
const take = (chunk) => {
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
    try {
      const method = JSON.parse(body.toString('utf8')).method;
      if (method === 'shutdown' || method === 'exit') raise();
    } catch {
      // Not JSON: the connection reports it; nothing to see here.
    }
  }
};
// A pipe or socket is read through the event loop (a read that can be dropped at exit); a blocking
// read in the thread pool would hold the process open after process.exit() until more input came.
// A file or a terminal (stdin not from a client) is read as a stream of the file.
let stream;
try {
  stream = new (require('node:net').Socket)({ fd: 0, readable: true, writable: false });
} catch {
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

/** Starts the worker that reads stdin (see above). */
export function watchStdin(): WatchedInput {
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const input = new PassThrough();
  const worker = new Worker(WORKER, { eval: true, workerData: { flag: shared }, stdin: false, stdout: false, stderr: false });
  worker.on('message', (chunk: Uint8Array | null) => {
    if (chunk === null) input.end();
    else input.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  worker.on('error', (err) => {
    Atomics.store(flag, 0, 1);
    input.destroy(err);
  });
  return { input, stopRequested: () => Atomics.load(flag, 0) !== 0 };
}
