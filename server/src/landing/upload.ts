import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { endpointLabel } from './client';
import { LandingError, toLandingError, type FailureContext } from './errors';
import { normalizePrefix } from './location';
import { allOrFirstError, checkPositiveInteger, etagIsContentMd5, etagIsOpaque, isDirectoryBucket, isPlainMd5, Limiter, linkedAbort, md5, multipartEtag, normalizeEtag } from './util';

export const MIB = 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * MIB;
/** S3's minimum size of every part but the last. */
export const MIN_PART_SIZE = 5 * MIB;
/** Our cap: parts (and single puts) are held in memory, `concurrency` at a time. */
const MAX_PART_SIZE = 1024 * MIB;
/** S3's maximum number of parts of one upload. */
const MAX_PARTS = 10_000;

export interface UploadResult {
  key: string;
  bytes: number;
  /** Without quotes, as the server reported it. */
  etag: string;
  multipart: boolean;
}

export interface TransferProgress {
  /** Path relative to the uploaded folder (upload) or the location (download), with `/`. */
  file: string;
  /** Bytes of this file transferred so far. */
  bytes: number;
  /** Size of this file. */
  total: number;
}

export interface UploadOptions {
  /** Files of at least this size go multipart, in parts of this size. Default 8 MiB, minimum 5 MiB. */
  partSize?: number;
  /** Requests in flight at once (single puts and parts together). Default 4. */
  concurrency?: number;
  onProgress?: (e: TransferProgress) => void;
  signal?: AbortSignal;
}

interface LocalFile {
  rel: string;
  abs: string;
  size: number;
}

/**
 * Uploads every file under `dir` (recursively, keeping relative paths) to the location.
 *
 * Integrity, for every request: the body is sent as a buffer with `Content-MD5`, so AWS S3 refuses
 * a corrupted body (BadDigest); then the ETag the server returns is compared with our MD5 — of the
 * file for a single put, of each part, and for the completed multipart upload either the AWS form
 * `md5(part md5s)-N` or (stores like s3rver) the MD5 of the whole file; finally a multipart object's
 * size is checked with HEAD. ETags of SSE-KMS objects are not MD5s, so for them the server-side
 * Content-MD5 check is what protects the bytes. On a mismatch the object is deleted and a
 * `ChecksumMismatch` error names it.
 */
export async function uploadDirectory(
  client: S3Client,
  dir: string,
  location: { bucket: string; prefix: string },
  options: UploadOptions = {},
): Promise<UploadResult[]> {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new LandingError('InvalidArgument', `partSize must be an integer of at least 5 MiB (${MIN_PART_SIZE} bytes), not ${partSize}.`);
  }
  if (partSize > MAX_PART_SIZE) {
    throw new LandingError('InvalidArgument', `partSize must be at most 1 GiB (parts are held in memory), not ${partSize}.`);
  }
  if (isDirectoryBucket(location.bucket)) {
    throw new LandingError(
      'InvalidArgument',
      `Uploading to the S3 Express directory bucket "${location.bucket}" is not supported: it does not accept the Content-MD5 integrity check this upload relies on.`,
      { location: `s3://${location.bucket}/${location.prefix}`, bucket: location.bucket },
    );
  }
  const concurrency = options.concurrency ?? 4;
  checkPositiveInteger('concurrency', concurrency);
  const prefix = normalizePrefix(location.prefix);
  const files = await listLocalFiles(dir);
  if (options.signal?.aborted) {
    const target = `s3://${location.bucket}/${prefix}`;
    throw new LandingError('Aborted', `Cancelled uploading ${path.resolve(dir)} to ${target}: the operation was aborted.`, { location: target, bucket: location.bucket });
  }

  // Requests in flight, and files in flight (so that at most `concurrency` multipart uploads are open).
  const limiter = new Limiter(concurrency);
  const fileLimiter = new Limiter(concurrency);
  const { controller, dispose } = linkedAbort(options.signal);
  const up: Uploader = {
    client,
    bucket: location.bucket,
    prefix,
    partSize,
    limiter,
    signal: controller.signal,
    endpoint: endpointLabel(client),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  try {
    return await allOrFirstError(
      files.map((file) => () => fileLimiter.run(() => (file.size >= partSize ? uploadMultipart(up, file) : uploadSingle(up, file)))),
      controller,
    );
  } finally {
    dispose();
  }
}

interface Uploader {
  client: S3Client;
  bucket: string;
  prefix: string;
  partSize: number;
  limiter: Limiter;
  signal: AbortSignal;
  endpoint: string;
  onProgress?: (e: TransferProgress) => void;
}

function context(up: Uploader, file: LocalFile, key: string): FailureContext {
  return { action: `uploading ${file.abs} to`, bucket: up.bucket, key, endpoint: up.endpoint, signal: up.signal, client: up.client };
}

async function uploadSingle(up: Uploader, file: LocalFile): Promise<UploadResult> {
  const key = up.prefix + file.rel;
  const ctx = context(up, file, key);
  return up.limiter.run(async () => {
    try {
      up.signal.throwIfAborted();
      const body = await readLocal(file.abs, () => readFile(file.abs, { signal: up.signal }));
      const digest = md5(body);
      const out = await up.client.send(
        new PutObjectCommand({ Bucket: up.bucket, Key: key, Body: body, ContentLength: body.length, ContentMD5: digest.toString('base64') }),
        { abortSignal: up.signal },
      );
      const etag = normalizeEtag(out.ETag);
      if (etagIsContentMd5(etag, out.ServerSideEncryption, out.SSECustomerAlgorithm) && etag !== digest.toString('hex')) {
        const cleanup = await deleteCorrupt(up, key);
        throw new LandingError(
          'ChecksumMismatch',
          `Checksum mismatch after uploading ${file.abs} to s3://${up.bucket}/${key}: the server stored an object with ETag ${etag}, ` +
            `but the file's MD5 is ${digest.toString('hex')}. ${cleanup}`,
          { location: `s3://${up.bucket}/${key}`, bucket: up.bucket, key },
        );
      }
      up.onProgress?.({ file: file.rel, bytes: body.length, total: body.length });
      return { key, bytes: body.length, etag, multipart: false };
    } catch (err) {
      throw toLandingError(err, ctx);
    }
  });
}

async function uploadMultipart(up: Uploader, file: LocalFile): Promise<UploadResult> {
  const key = up.prefix + file.rel;
  const ctx = context(up, file, key);
  // Stay within S3's 10,000 parts: grow the part size (in whole MiB) for very large files.
  const partSize = Math.max(up.partSize, Math.ceil(file.size / MAX_PARTS / MIB) * MIB);
  const partCount = Math.max(1, Math.ceil(file.size / partSize));
  const where = { location: `s3://${up.bucket}/${key}`, bucket: up.bucket, key };

  const handle = await readLocal(file.abs, () => open(file.abs, 'r'));
  let uploadId: string;
  try {
    const created = await up.limiter.run(() => {
      up.signal.throwIfAborted();
      return up.client.send(new CreateMultipartUploadCommand({ Bucket: up.bucket, Key: key }), { abortSignal: up.signal });
    });
    if (!created.UploadId) throw new LandingError('S3Error', `The server did not return an upload id for s3://${up.bucket}/${key}.`, where);
    uploadId = created.UploadId;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw toLandingError(err, ctx);
  }

  let done = 0;
  try {
    const partMd5s: Buffer[] = new Array<Buffer>(partCount);
    const partEtags: string[] = new Array<string>(partCount);
    const { controller, dispose } = linkedAbort(up.signal);
    try {
      await allOrFirstError(
        Array.from({ length: partCount }, (_, index) => () =>
          up.limiter.run(async () => {
            controller.signal.throwIfAborted();
            const offset = index * partSize;
            const length = Math.min(partSize, file.size - offset);
            const body = Buffer.allocUnsafe(length);
            const { bytesRead } = await readLocal(file.abs, () => handle.read(body, 0, length, offset));
            if (bytesRead !== length) {
              throw new LandingError('LocalIO', `${file.abs} changed while it was being uploaded (expected ${file.size} bytes).`, { location: file.abs });
            }
            const digest = md5(body);
            const out = await up.client.send(
              new UploadPartCommand({
                Bucket: up.bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: index + 1,
                Body: body,
                ContentLength: length,
                ContentMD5: digest.toString('base64'),
              }),
              { abortSignal: controller.signal },
            );
            const etag = normalizeEtag(out.ETag);
            if (etagIsContentMd5(etag, out.ServerSideEncryption, out.SSECustomerAlgorithm) && etag !== digest.toString('hex')) {
              throw new LandingError(
                'ChecksumMismatch',
                `Checksum mismatch uploading part ${index + 1} of ${partCount} of ${file.abs} to s3://${up.bucket}/${key}: ` +
                  `the server stored ETag ${etag}, but the part's MD5 is ${digest.toString('hex')}. The multipart upload was abandoned; no object was created.`,
                where,
              );
            }
            partMd5s[index] = digest;
            partEtags[index] = out.ETag ?? `"${etag}"`;
            done += length;
            up.onProgress?.({ file: file.rel, bytes: done, total: file.size });
          }),
        ),
        controller,
      );
    } finally {
      dispose();
    }

    const completed = await up.limiter.run(() =>
      up.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: up.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: partEtags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
        { abortSignal: up.signal },
      ),
    );
    const etag = normalizeEtag(completed.ETag);
    if (!etagIsOpaque(completed.ServerSideEncryption)) {
      const expected = multipartEtag(partMd5s);
      let ok = etag === expected;
      let detail = `the expected multipart ETag is ${expected}`;
      if (!ok && isPlainMd5(etag)) {
        // Some S3-compatible stores (s3rver) give the completed object the MD5 of all its bytes.
        const whole = await readLocal(file.abs, () => md5OfFile(file.abs, up.signal));
        ok = etag === whole;
        detail = `the file's MD5 is ${whole} and the expected multipart ETag is ${expected}`;
      }
      if (!ok) {
        const cleanup = await deleteCorrupt(up, key);
        throw new LandingError(
          'ChecksumMismatch',
          `Checksum mismatch after uploading ${file.abs} to s3://${up.bucket}/${key}: the server reports ETag ${etag}, but ${detail}. ${cleanup}`,
          where,
        );
      }
    }
    const head = await up.limiter.run(() => up.client.send(new HeadObjectCommand({ Bucket: up.bucket, Key: key }), { abortSignal: up.signal }));
    if (head.ContentLength !== file.size) {
      const cleanup = await deleteCorrupt(up, key);
      throw new LandingError(
        'ChecksumMismatch',
        `Size mismatch after uploading ${file.abs} to s3://${up.bucket}/${key}: the server has ${head.ContentLength} bytes, the file ${file.size}. ${cleanup}`,
        where,
      );
    }
    return { key, bytes: file.size, etag, multipart: true };
  } catch (err) {
    // Best effort: do not leave billable parts behind (some stores, e.g. s3rver, do not support this).
    await up.client
      .send(new AbortMultipartUploadCommand({ Bucket: up.bucket, Key: key, UploadId: uploadId }), { abortSignal: AbortSignal.timeout(15_000) })
      .catch(() => undefined);
    throw toLandingError(err, ctx);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Deletes an object found corrupt; returns how to end the error message. */
async function deleteCorrupt(up: Uploader, key: string): Promise<string> {
  try {
    await up.client.send(new DeleteObjectCommand({ Bucket: up.bucket, Key: key }), { abortSignal: AbortSignal.timeout(15_000) });
    return 'The corrupt object was deleted.';
  } catch {
    return 'The corrupt object could not be deleted: delete it before running the pipeline.';
  }
}

async function md5OfFile(file: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Runs a local file-system operation; failures become LocalIO errors naming the path. */
async function readLocal<T>(file: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof LandingError) throw err;
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === 'AbortError') throw err;
    throw new LandingError('LocalIO', `Cannot read ${file}: ${e.code ?? e.message ?? String(err)}.`, { location: file });
  }
}

/** Regular files under `dir`, recursively, with `/`-separated relative paths, sorted. Symlinked folders are not followed. */
export async function listLocalFiles(dir: string): Promise<LocalFile[]> {
  const root = path.resolve(dir);
  const rootStat = await stat(root).catch((err: NodeJS.ErrnoException) => {
    throw new LandingError('LocalIO', err.code === 'ENOENT' ? `Landing folder ${root} does not exist.` : `Cannot read landing folder ${root}: ${err.code ?? err.message}.`, {
      location: root,
    });
  });
  if (!rootStat.isDirectory()) throw new LandingError('LocalIO', `Landing folder ${root} is not a folder.`, { location: root });
  const out: LocalFile[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await readLocal(abs, () => readdir(abs, { withFileTypes: true }));
    for (const entry of entries) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(childAbs, childRel);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        const st = await readLocal(childAbs, () => stat(childAbs));
        if (st.isFile()) out.push({ rel: childRel, abs: childAbs, size: st.size });
      }
    }
  };
  await walk(root, '');
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}
