import { createHash } from 'node:crypto';
import { LandingError } from './errors';

/** ETag without quotes, lower case: `"abc"` → `abc`, `W/"abc"` → `abc`. */
export function normalizeEtag(etag: string | undefined): string {
  if (!etag) return '';
  return etag.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
}

/** True when an ETag has the form of a plain MD5 (single-part upload without SSE-KMS / SSE-C). */
export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/.test(etag);
}

/** Whether the server's ETags are opaque (not MD5s of the bytes) because of SSE-KMS or SSE-C encryption. */
export function etagIsOpaque(sse?: string, sseCustomerAlgorithm?: string): boolean {
  return Boolean(sseCustomerAlgorithm) || Boolean(sse && sse.toLowerCase().startsWith('aws:kms'));
}

/** S3 Express One Zone directory buckets (`name--azid--x-s3`): ETags are not MD5s and Content-MD5 is not accepted. */
export function isDirectoryBucket(bucket: string): boolean {
  return bucket.endsWith('--x-s3');
}

/**
 * Whether the ETag of an object is the MD5 of its bytes. It is not for SSE-KMS and SSE-C objects
 * (their ETag is opaque) and not for multipart objects (`md5(part md5s)-N`).
 */
export function etagIsContentMd5(etag: string, sse?: string, sseCustomerAlgorithm?: string): boolean {
  return !etagIsOpaque(sse, sseCustomerAlgorithm) && isPlainMd5(etag);
}

export function md5(data: Uint8Array): Buffer {
  return createHash('md5').update(data).digest();
}

/** The ETag AWS S3 gives a multipart object: hex(md5(md5(part1) ‖ … ‖ md5(partN))) + "-N". */
export function multipartEtag(partMd5s: Buffer[]): string {
  return `${md5(Buffer.concat(partMd5s)).toString('hex')}-${partMd5s.length}`;
}

/**
 * Runs at most `max` tasks at a time, in submission order. A finishing task hands its slot straight
 * to the next queued one, so a caller arriving in between can never push the count over `max`.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * An AbortController that also aborts when `parent` does; `dispose()` detaches it.
 * Used to stop sibling transfers as soon as one fails.
 */
export function linkedAbort(parent?: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => {} };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/**
 * Runs all tasks; on the first failure aborts the others (through `controller`), waits for every
 * task to settle (so that clean-up such as aborting a multipart upload happens), then throws the
 * first failure. Failures caused by that abort are not reported over the original one.
 */
export async function allOrFirstError<T>(tasks: Array<() => Promise<T>>, controller: AbortController): Promise<T[]> {
  let first: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    tasks.map(async (task) => {
      try {
        return await task();
      } catch (error) {
        if (!first) first = { error };
        if (!controller.signal.aborted) controller.abort(new Error('a sibling transfer failed'));
        throw error;
      }
    }),
  );
  if (first) throw first.error;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

export function checkPositiveInteger(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new LandingError('InvalidArgument', `${name} must be an integer of at least ${min}, not ${value}.`);
  }
}
