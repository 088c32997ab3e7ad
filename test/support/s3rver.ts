/**
 * A real s3rver for tests, on a free port of 127.0.0.1, in a child process.
 *
 * Why a child process: s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node 17+) only offers with `--openssl-legacy-provider`; without it, every truncated
 * listing answers 500 InternalError. The flag is given to the child only, so the test process keeps
 * the default crypto. The child also means stopping the server really closes every socket.
 *
 *   const s3 = await startS3rver({ buckets: ['landing'] });
 *   ... createS3Client({ endpoint: s3.endpoint }) ...
 *   await s3.stop();
 *
 * This file is also the child's entry point (`node s3rver.js --s3rver-child <dir> <buckets>`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The access key s3rver knows (it does not check V4 signatures, only that the key exists). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The environment a run or a server needs to use this s3rver as its landing zone at `landing` (s3://…). */
export function s3rverEnvironment(s3: S3rverHandle, landing: string): Record<string, string> {
  return {
    MEDALLION_LANDING_S3: landing,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
}

export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Where s3rver keeps buckets and objects (`<bucket>/<key>._S3rver_object`). */
  directory: string;
  /** Stops the server (waits for the process to exit) and removes its directory unless it was given. */
  stop(): Promise<void>;
}

export interface S3rverOptions {
  /** Buckets created before the server starts. */
  buckets?: string[];
  /** Reuse a data directory (e.g. to restart a server); by default a fresh temporary one. */
  directory?: string;
}

type ChildMessage = { ready: true; port: number } | { error: string };

export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHandle> {
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'medallion-s3rver-'));
  const child = fork(__filename, ['--s3rver-child', directory, (options.buckets ?? []).join(',')], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: ChildMessage) => ('ready' in m ? resolve(m.port) : reject(new Error(`s3rver did not start: ${m.error}`))));
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`s3rver exited before it was ready (code ${code}, signal ${signal})`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    if (ownDirectory) rmSync(directory, { recursive: true, force: true });
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    stop: () => {
      stopping ??= stopChild(child, exited).then(() => {
        if (ownDirectory) rmSync(directory, { recursive: true, force: true });
      });
      return stopping;
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // The server is only test scaffolding: kill it outright, keep-alive sockets and all.
  child.kill('SIGKILL');
  await exited;
}

// ---------------------------------------------------------------------------------------------
// Child side

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

async function runChild(directory: string, buckets: string[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverCtor;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  process.send?.({ ready: true, port: address.port } satisfies ChildMessage);
  // Exit when the parent goes away, whatever the reason.
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module && process.argv[2] === '--s3rver-child') {
  const [, , , directory, buckets] = process.argv;
  runChild(directory!, (buckets ?? '').split(',').filter(Boolean)).catch((err: unknown) => {
    process.send?.({ error: err instanceof Error ? err.message : String(err) } satisfies ChildMessage);
    process.exit(1);
  });
}
