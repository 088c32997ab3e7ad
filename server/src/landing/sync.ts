import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { endpointLabel } from './client';
import { LandingError, toLandingError, type FailureContext } from './errors';
import { listLocation, type RemoteObject } from './list';
import { normalizePrefix } from './location';
import type { TransferProgress } from './upload';
import { allOrFirstError, checkPositiveInteger, etagIsContentMd5, isDirectoryBucket, Limiter, linkedAbort, normalizeEtag } from './util';

export interface SyncOptions {
  signal?: AbortSignal;
  /** Called as bytes of each downloaded object arrive. */
  onProgress?: (e: TransferProgress) => void;
  /** Downloads in flight at once (default 4). */
  concurrency?: number;
  /** Keys per list request (default 1000). */
  pageSize?: number;
}

export interface SyncResult {
  /** Paths relative to `localDir` (with `/`), sorted. */
  downloaded: string[];
  unchanged: string[];
  removed: string[];
  /** The mirror of the location: `<cacheDir>/files`. */
  localDir: string;
}

interface ManifestEntry {
  key: string;
  etag: string;
  size: number;
  lastModified?: string;
}

interface Manifest {
  version: 1;
  bucket: string;
  prefix: string;
  objects: Record<string, ManifestEntry>;
}

/** Layout of a cache folder (one per location). */
const FILES_DIR = 'files';
const PARTIAL_DIR = '.partial';
const MANIFEST = 'manifest.json';
const LOCK = '.lock';

/**
 * Makes `<cacheDir>/files` a mirror of the location.
 *
 * - Downloads only new or changed objects: an object is unchanged when the manifest
 *   (`<cacheDir>/manifest.json`) has the same ETag and size for it and the local file has that size.
 * - Each download goes to `<cacheDir>/.partial/` and is renamed into place only when complete and
 *   verified: size equal to Content-Length, MD5 equal to the ETag when the ETag is a plain MD5, and
 *   the stored S3 checksum (asked for with ChecksumMode, verified by the SDK) when S3 returns one.
 *   A failed or aborted download therefore never shows at the final path, and the previous version
 *   stays in place.
 * - Objects deleted remotely (and any other file in the mirror that is not an object) are removed.
 * - Keys ending in `/` (folder markers) are skipped.
 *
 * One sync at a time per cacheDir (a lock file `<cacheDir>/.lock` enforces it).
 */
export async function syncToCache(
  client: S3Client,
  location: { bucket: string; prefix: string },
  cacheDir: string,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const concurrency = options.concurrency ?? 4;
  checkPositiveInteger('concurrency', concurrency);
  const prefix = normalizePrefix(location.prefix);
  const root = path.resolve(cacheDir);
  const localDir = path.join(root, FILES_DIR);
  const partialDir = path.join(root, PARTIAL_DIR);
  const manifestPath = path.join(root, MANIFEST);
  const target = `s3://${location.bucket}/${prefix}`;

  await local(root, () => mkdir(root, { recursive: true }));
  const releaseLock = await acquireLock(path.join(root, LOCK), root);
  try {
    await local(partialDir, async () => {
      await rm(partialDir, { recursive: true, force: true }); // leftovers of an interrupted run
      await mkdir(partialDir, { recursive: true });
      await mkdir(localDir, { recursive: true });
    });
    const manifest = await loadManifest(manifestPath, location.bucket, prefix);

    const listed = await listLocation(client, { bucket: location.bucket, prefix }, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    });
    const remote = new Map<string, RemoteObject>();
    for (const obj of listed) {
      if (obj.key.endsWith('/')) continue; // folder marker
      const rel = obj.key.slice(prefix.length);
      checkMirrorable(rel, obj.key, location.bucket);
      remote.set(rel, obj);
    }
    checkNoFileFolderClash(remote, location.bucket, prefix);

    // 1. Remove what is gone remotely (manifest entries and stray files), before downloading.
    const removed = new Set<string>();
    for (const rel of Object.keys(manifest.objects)) {
      if (!remote.has(rel)) {
        await local(localDir, () => rm(localPath(localDir, rel), { force: true, recursive: true }));
        delete manifest.objects[rel];
        removed.add(rel);
      }
    }
    for (const rel of await listMirrorFiles(localDir)) {
      if (!remote.has(rel)) {
        await local(localDir, () => rm(localPath(localDir, rel), { force: true }));
        removed.add(rel);
      }
    }
    await pruneEmptyFolders(localDir);

    // 2. Decide what to download.
    const unchanged: string[] = [];
    const todo: Array<[string, RemoteObject]> = [];
    for (const [rel, obj] of remote) {
      const entry = manifest.objects[rel];
      const st = await stat(localPath(localDir, rel)).catch(() => undefined);
      if (entry && entry.etag === obj.etag && entry.size === obj.size && st?.isFile() && st.size === obj.size) unchanged.push(rel);
      else todo.push([rel, obj]);
    }

    // 3. Download, recording each completed file in the manifest (saved even when a download fails).
    const downloaded: string[] = [];
    const limiter = new Limiter(concurrency);
    const { controller, dispose } = linkedAbort(options.signal);
    const dl: Downloader = {
      client,
      bucket: location.bucket,
      localDir,
      partialDir,
      signal: controller.signal,
      endpoint: endpointLabel(client),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    let failed = false;
    try {
      await allOrFirstError(
        todo.map(([rel, obj]) => () =>
          limiter.run(async () => {
            controller.signal.throwIfAborted();
            manifest.objects[rel] = await download(dl, rel, obj);
            downloaded.push(rel);
          }),
        ),
        controller,
      );
    } catch (err) {
      failed = true;
      throw err instanceof LandingError ? err : toLandingError(err, { action: 'syncing', bucket: location.bucket, prefix, endpoint: dl.endpoint, client, ...(options.signal ? { signal: options.signal } : {}) });
    } finally {
      dispose();
      // Keep what did complete, so that the next sync does not fetch it again.
      if (failed) await saveManifest(manifestPath, manifest).catch(() => undefined);
    }
    await saveManifest(manifestPath, manifest);

    const sort = (xs: Iterable<string>): string[] => [...xs].sort();
    return { downloaded: sort(downloaded), unchanged: sort(unchanged), removed: sort(removed), localDir };
  } catch (err) {
    if (err instanceof LandingError) throw err;
    throw new LandingError('LocalIO', `Syncing ${target} into ${root} failed: ${(err as Error).message ?? String(err)}`, { location: target, bucket: location.bucket });
  } finally {
    await releaseLock();
  }
}

interface Downloader {
  client: S3Client;
  bucket: string;
  localDir: string;
  partialDir: string;
  signal: AbortSignal;
  endpoint: string;
  onProgress?: (e: TransferProgress) => void;
}

async function download(dl: Downloader, rel: string, obj: RemoteObject): Promise<ManifestEntry> {
  const key = obj.key;
  const ctx: FailureContext = { action: 'downloading', bucket: dl.bucket, key, endpoint: dl.endpoint, signal: dl.signal, client: dl.client };
  const where = { location: `s3://${dl.bucket}/${key}`, bucket: dl.bucket, key };
  const tmp = path.join(dl.partialDir, `${randomUUID()}.part`);
  const finalPath = localPath(dl.localDir, rel);
  let sink: WriteStream | undefined;
  try {
    const out = await dl.client.send(new GetObjectCommand({ Bucket: dl.bucket, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal: dl.signal });
    const body = out.Body;
    if (!(body instanceof Readable)) throw new LandingError('S3Error', `The server returned no body for s3://${dl.bucket}/${key}.`, where);
    const expected = out.ContentLength ?? obj.size;
    const etag = normalizeEtag(out.ETag) || obj.etag;
    const hash = createHash('md5');
    let received = 0;
    const onProgress = dl.onProgress;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        received += chunk.length;
        try {
          onProgress?.({ file: rel, bytes: received, total: expected });
        } catch (err) {
          callback(err as Error);
          return;
        }
        callback(null, chunk);
      },
    });
    sink = createWriteStream(tmp, { flags: 'wx' });
    await pipeline(body, meter, sink, { signal: dl.signal });
    if (received !== expected) {
      throw new LandingError(
        'Interrupted',
        `Incomplete download of s3://${dl.bucket}/${key}: received ${received} of ${expected} bytes; the previous local copy (if any) was kept.`,
        where,
      );
    }
    const digest = hash.digest('hex');
    if (!isDirectoryBucket(dl.bucket) && etagIsContentMd5(etag, out.ServerSideEncryption, out.SSECustomerAlgorithm) && digest !== etag) {
      throw new LandingError(
        'ChecksumMismatch',
        `Checksum mismatch downloading s3://${dl.bucket}/${key}: the server announced ETag ${etag}, but the bytes received have MD5 ${digest}; ` +
          'the download was discarded and the previous local copy (if any) was kept.',
        where,
      );
    }
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await mkdir(path.dirname(finalPath), { recursive: true });
    await rename(tmp, finalPath);
    const entry: ManifestEntry = { key, etag, size: received };
    const lastModified = out.LastModified ?? obj.lastModified;
    if (lastModified) entry.lastModified = lastModified.toISOString();
    return entry;
  } catch (err) {
    // An abort can reject the pipeline while the file's open is still in flight: removing it before
    // the stream has closed would let that open create the partial file again afterwards.
    if (sink) await closed(sink);
    await rm(tmp, { force: true }).catch(() => undefined);
    if (err instanceof LandingError) throw err;
    if (isLocalFsError(err) && !dl.signal.aborted) {
      const e = err as NodeJS.ErrnoException;
      throw new LandingError('LocalIO', `Cannot write the local copy of s3://${dl.bucket}/${key} (${e.code} on ${e.path ?? finalPath}).`, where);
    }
    throw toLandingError(err, ctx);
  }
}

/** Resolves once a (destroyed or finished) file stream has released its descriptor. */
function closed(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  if (!stream.destroyed) stream.destroy();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function isLocalFsError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return Boolean(e && typeof e.syscall === 'string' && ['open', 'write', 'rename', 'mkdir', 'fsync', 'close', 'unlink'].includes(e.syscall) && e.path);
}

function localPath(localDir: string, rel: string): string {
  return path.join(localDir, ...rel.split('/'));
}

/** Keys must map to a path inside the mirror: no empty, `.` or `..` segments, no NUL, no `\` on Windows. */
function checkMirrorable(rel: string, key: string, bucket: string): void {
  const segments = rel.split('/');
  const bad =
    rel === '' ||
    rel.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    (process.platform === 'win32' && /[\\:*?"<>|]/.test(rel));
  if (bad) {
    throw new LandingError(
      'UnmirrorableKey',
      `S3 object s3://${bucket}/${key} cannot be mirrored to a local file: its key has an empty, "." or ".." path segment or a character the file system does not allow.`,
      { location: `s3://${bucket}/${key}`, bucket, key },
    );
  }
}

/** `a` and `a/b` cannot both be files locally. */
function checkNoFileFolderClash(remote: Map<string, RemoteObject>, bucket: string, prefix: string): void {
  for (const rel of remote.keys()) {
    const segments = rel.split('/');
    for (let i = 1; i < segments.length; i++) {
      const ancestor = segments.slice(0, i).join('/');
      if (remote.has(ancestor)) {
        throw new LandingError(
          'UnmirrorableKey',
          `S3 objects s3://${bucket}/${prefix}${ancestor} and s3://${bucket}/${prefix}${rel} cannot both be mirrored: one would be a file and a folder at once.`,
          { location: `s3://${bucket}/${prefix}${rel}`, bucket, key: prefix + rel },
        );
      }
    }
  }
}

async function loadManifest(file: string, bucket: string, prefix: string): Promise<Manifest> {
  const fresh: Manifest = { version: 1, bucket, prefix, objects: {} };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return fresh;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Manifest>;
    if (parsed.version !== 1 || parsed.bucket !== bucket || parsed.prefix !== prefix || typeof parsed.objects !== 'object' || parsed.objects === null) return fresh;
    const objects: Record<string, ManifestEntry> = {};
    for (const [rel, e] of Object.entries(parsed.objects)) {
      if (e && typeof e.key === 'string' && typeof e.etag === 'string' && typeof e.size === 'number') objects[rel] = e;
    }
    return { ...fresh, objects };
  } catch {
    return fresh; // a damaged manifest only costs a full download
  }
}

async function saveManifest(file: string, manifest: Manifest): Promise<void> {
  const sorted: Record<string, ManifestEntry> = {};
  for (const rel of Object.keys(manifest.objects).sort()) sorted[rel] = manifest.objects[rel]!;
  const tmp = `${file}.${randomUUID()}.tmp`;
  await local(file, async () => {
    await writeFile(tmp, `${JSON.stringify({ ...manifest, objects: sorted }, null, 2)}\n`);
    await rename(tmp, file);
  });
}

/** Files in the mirror, relative, with `/`. */
async function listMirrorFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await local(abs, () => readdir(abs, { withFileTypes: true }));
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(abs, entry.name), childRel);
      else out.push(childRel);
    }
  };
  await walk(dir, '');
  return out;
}

/** Removes empty folders below `dir` (not `dir` itself). */
async function pruneEmptyFolders(dir: string): Promise<void> {
  const visit = async (abs: string): Promise<boolean> => {
    const entries = await readdir(abs, { withFileTypes: true });
    let empty = true;
    for (const entry of entries) {
      if (entry.isDirectory() && (await visit(path.join(abs, entry.name)))) {
        await rmdir(path.join(abs, entry.name));
      } else {
        empty = false;
      }
    }
    return empty;
  };
  await local(dir, () => visit(dir));
}

/**
 * One writer per cache folder. The lock file appears with the owner's PID already in it (written
 * to a private file, then hard-linked into place), so it is never seen empty. A lock whose process
 * no longer runs is taken over by renaming it away first: of two processes racing for a stale lock,
 * only one renames it, and one that renamed a fresh lock by mistake puts it back.
 */
export async function acquireLock(lockPath: string, root: string): Promise<() => Promise<void>> {
  const release = async (): Promise<void> => {
    await unlink(lockPath).catch(() => undefined);
  };
  const mine = `${lockPath}.${process.pid}.${randomUUID()}`;
  await local(root, () => writeFile(mine, String(process.pid), { flag: 'wx' }));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, lockPath);
        return release;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new LandingError('LocalIO', `Cannot create the lock file ${lockPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`, { location: root });
        }
      }
      const text = (await readFile(lockPath, 'utf8').catch(() => '')).trim();
      const pid = Number(text);
      // Unreadable content is a lock another version of this program is still writing: never stolen.
      if (!/^\d+$/.test(text) || pid <= 0 || (pid !== process.pid && isAlive(pid))) {
        throw new LandingError('LocalIO', `Another sync${pid > 0 ? ` (process ${pid})` : ''} is using the cache folder ${root}.`, { location: root });
      }
      if (pid === process.pid) throw new LandingError('LocalIO', `Another sync in this process is using the cache folder ${root}.`, { location: root });
      const stale = `${lockPath}.stale.${process.pid}.${randomUUID()}`;
      try {
        await rename(lockPath, stale);
      } catch {
        continue; // someone else took it over first: try again
      }
      const taken = (await readFile(stale, 'utf8').catch(() => '')).trim();
      if (taken !== text) {
        // A fresh lock replaced the stale one between our read and our rename: give it back.
        await link(stale, lockPath).catch(() => undefined);
        await unlink(stale).catch(() => undefined);
        throw new LandingError('LocalIO', `Another sync is using the cache folder ${root}.`, { location: root });
      }
      await unlink(stale).catch(() => undefined);
    }
    throw new LandingError('LocalIO', `Cannot lock the cache folder ${root}.`, { location: root });
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs a local file-system operation; failures become LocalIO errors naming the path. */
async function local<T>(where: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof LandingError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new LandingError('LocalIO', `Cannot update the landing cache at ${e.path ?? where}: ${e.code ?? e.message}.`, { location: where });
  }
}
