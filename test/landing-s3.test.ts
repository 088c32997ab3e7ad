/**
 * The landing zone against a real s3rver on 127.0.0.1 (started and stopped here): upload with
 * multipart, paginated listing, incremental sync into a cache (including interrupted downloads),
 * integrity failures and clear errors. Nothing here talks to anything but 127.0.0.1.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createS3Client, LandingError, listLocation, parseLocation, syncToCache, uploadDirectory, type TransferProgress } from '../server/src/landing';
import { startS3rver, S3RVER_CREDENTIALS, type S3rverHandle } from './support/s3rver';

// Credentials through the standard chain (env), as in real use; the region too.
process.env['AWS_ACCESS_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
process.env['AWS_SECRET_ACCESS_KEY'] = S3RVER_CREDENTIALS.secretAccessKey;
delete process.env['AWS_SESSION_TOKEN'];
process.env['AWS_REGION'] = 'us-east-1';
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const MIB = 1024 * 1024;
const BUCKET = 'landing';

let s3: S3rverHandle;
let client: S3Client;
let work: string;

before(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  client = createS3Client({ endpoint: s3.endpoint });
  work = mkdtempSync(join(tmpdir(), 'medallion-landing-'));
});

after(async () => {
  client?.destroy();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function folder(name: string, files: Record<string, Buffer | string>): string {
  const dir = join(work, name);
  for (const [rel, content] of Object.entries(files)) {
    const file = join(dir, ...rel.split('/'));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function getBytes(key: string, c: S3Client = client): Promise<Buffer> {
  const out = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
}

async function exists(key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/** Awaits a rejection and checks that it is a LandingError with this code whose message names `names`. */
async function rejectsWith(promise: Promise<unknown>, code: string, names: string[]): Promise<LandingError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error, `not an Error: ${inspect(err)}`);
    assert.ok(err instanceof LandingError, `not a LandingError: ${inspect(err)}`);
    assert.equal(err.code, code, err.message);
    for (const name of names) assert.ok(err.message.includes(name), `message does not name ${name}: ${err.message}`);
    return err;
  }
  assert.fail(`expected a ${code} error`);
}

/**
 * A TCP proxy to s3rver that cuts every connection once it has relayed `limit` response bytes:
 * to the client, the server dies in the middle of a download.
 */
async function cuttingProxy(targetPort: number, limit: number): Promise<{ endpoint: string; cuts: () => number; close: () => Promise<void> }> {
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(downstream).add(upstream);
    let relayed = 0;
    const kill = (): void => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
    downstream.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (relayed + chunk.length >= limit) {
        downstream.write(chunk.subarray(0, limit - relayed));
        cuts++;
        downstream.resetAndDestroy();
        upstream.destroy();
        return;
      }
      relayed += chunk.length;
      downstream.write(chunk);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

describe('parseLocation', () => {
  const root = resolve('/projects/retail');

  it('reads s3 locations; the prefix is a folder', () => {
    assert.deepEqual(parseLocation('s3://raw-bucket/landing/orders/', root), { kind: 's3', bucket: 'raw-bucket', prefix: 'landing/orders/' });
    assert.deepEqual(parseLocation('s3://raw-bucket/landing/orders', root), { kind: 's3', bucket: 'raw-bucket', prefix: 'landing/orders/' });
    assert.deepEqual(parseLocation('s3://raw.bucket-1', root), { kind: 's3', bucket: 'raw.bucket-1', prefix: '' });
    assert.deepEqual(parseLocation('s3://raw.bucket-1/', root), { kind: 's3', bucket: 'raw.bucket-1', prefix: '' });
    assert.deepEqual(parseLocation('  s3://raw-bucket/landing data/orders ', root), { kind: 's3', bucket: 'raw-bucket', prefix: 'landing data/orders/' });
  });

  it('reads local folders relative to the project root', () => {
    assert.deepEqual(parseLocation('landing-data/orders/', root), { kind: 'local', path: join(root, 'landing-data', 'orders') });
    assert.deepEqual(parseLocation('../shared/orders', root), { kind: 'local', path: resolve(root, '..', 'shared', 'orders') });
    assert.deepEqual(parseLocation('/data/orders', root), { kind: 'local', path: resolve('/data/orders') });
    assert.deepEqual(parseLocation('file:///data/my%20orders/', root), { kind: 'local', path: resolve('/data/my orders') });
  });

  it('rejects malformed s3 URLs with a message quoting them and saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['s3://', /bucket name is missing/],
      ['s3:///orders/', /bucket name is missing/],
      ['s3://Raw_Bucket/orders/', /bucket name "Raw_Bucket"/],
      ['s3://ab/orders/', /3 to 63 characters/],
      ['s3://raw..bucket/x/', /two adjacent dots/],
      ['s3:/raw-bucket/orders/', /needs "\/\/"/],
      ['s3a://raw-bucket/orders/', /write s3:\/\//],
      ['gs://raw-bucket/orders/', /unsupported scheme "gs:\/\/"/],
      ['s3://raw-bucket//orders/', /empty path segment/],
      ['s3://raw-bucket/a/../b/', /"\.\."/],
      ['s3://raw-bucket/orders?x=1', /"\?"/],
      ['s3://key:secret@raw-bucket/orders/', /credentials or ports/],
      ['   ', /empty/],
    ];
    for (const [text, why] of cases) {
      assert.throws(
        () => parseLocation(text, root),
        (err: unknown) => {
          assert.ok(err instanceof LandingError, `${text}: ${inspect(err)}`);
          assert.equal(err.code, 'MalformedLocation');
          assert.ok(err.message.includes(`"${text}"`), err.message);
          assert.match(err.message, why);
          return true;
        },
        text,
      );
    }
  });
});

describe('uploadDirectory', () => {
  const big = randomBytes(12 * MIB + 12345);
  const small: Record<string, string> = {
    'orders_2024_01.csv': 'id,created_at,user_id\n1,2024-01-01 10:00:00,7\n',
    'batch/orders_2024_02.csv': 'id,created_at,user_id\n2,2024-02-01 11:00:00,8\n"3","x, y",9\n',
    'empty.csv': '',
  };

  it('uploads small files in one request and a file >= partSize in parallel parts, byte for byte', async () => {
    const dir = folder('upload', { ...small, 'big/orders_big.csv': big });
    const events: TransferProgress[] = [];
    const results = await uploadDirectory(client, dir, { bucket: BUCKET, prefix: 'up/orders' }, {
      partSize: 5 * MIB,
      concurrency: 3,
      onProgress: (e) => events.push(e),
    });
    assert.deepEqual(
      results.map((r) => [r.key, r.bytes, r.multipart]),
      [
        ['up/orders/batch/orders_2024_02.csv', Buffer.byteLength(small['batch/orders_2024_02.csv']!), false],
        ['up/orders/big/orders_big.csv', big.length, true],
        ['up/orders/empty.csv', 0, false],
        ['up/orders/orders_2024_01.csv', Buffer.byteLength(small['orders_2024_01.csv']!), false],
      ],
    );
    for (const r of results.filter((r) => !r.multipart)) assert.equal(r.etag, md5(readFileSync(join(dir, r.key.slice('up/orders/'.length)))));
    for (const [rel, content] of Object.entries(small)) assert.ok((await getBytes(`up/orders/${rel}`)).equals(Buffer.from(content)), rel);
    assert.ok((await getBytes('up/orders/big/orders_big.csv')).equals(big), 'the multipart object differs from the file');
    // s3rver gives a completed multipart object the MD5 of all its bytes (AWS: md5 of the part MD5s + "-3"); both are verified.
    assert.equal(results[1]!.etag, md5(big));

    const bigEvents = events.filter((e) => e.file === 'big/orders_big.csv');
    assert.equal(bigEvents.length, 3, 'one progress event per part (5 + 5 + 2 MiB)');
    assert.deepEqual(bigEvents.map((e) => e.total), [big.length, big.length, big.length]);
    assert.equal(bigEvents.at(-1)!.bytes, big.length);
    assert.ok(bigEvents.every((e, i) => i === 0 || e.bytes > bigEvents[i - 1]!.bytes));
  });

  it('refuses parts below 5 MiB and stops when aborted', async () => {
    const dir = folder('upload-abort', { 'big.csv': big });
    await rejectsWith(uploadDirectory(client, dir, { bucket: BUCKET, prefix: 'x/' }, { partSize: MIB }), 'InvalidArgument', ['5 MiB']);
    const controller = new AbortController();
    await rejectsWith(
      uploadDirectory(client, dir, { bucket: BUCKET, prefix: 'aborted/' }, {
        partSize: 5 * MIB,
        concurrency: 1,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
      'Aborted',
      ['s3://landing/aborted/big.csv'],
    );
    assert.equal(await exists('aborted/big.csv'), false);
  });

  it('fails loudly when the stored bytes differ from the file (single put and part) and leaves no object', async () => {
    const corrupting = createS3Client({ endpoint: s3.endpoint });
    // Flip one byte of every request body after signing: what a faulty network or proxy would do.
    corrupting.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        if (Buffer.isBuffer(request.body) && request.body.length > 0) {
          const copy = Buffer.from(request.body);
          copy[0] = copy[0]! ^ 0xff;
          request.body = copy;
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'corruptBody' },
    );
    try {
      const dir = folder('corrupt', { 'one.csv': 'id\n1\n' });
      await rejectsWith(uploadDirectory(corrupting, dir, { bucket: BUCKET, prefix: 'corrupt/' }), 'ChecksumMismatch', ['s3://landing/corrupt/one.csv', md5('id\n1\n')]);
      assert.equal(await exists('corrupt/one.csv'), false, 'the corrupt object was deleted');

      const bigDir = folder('corrupt-big', { 'big.csv': big });
      await rejectsWith(uploadDirectory(corrupting, bigDir, { bucket: BUCKET, prefix: 'corrupt/' }, { partSize: 5 * MIB }), 'ChecksumMismatch', [
        's3://landing/corrupt/big.csv',
        'part',
      ]);
      assert.equal(await exists('corrupt/big.csv'), false);
    } finally {
      corrupting.destroy();
    }
  });
  it('checks a completed multipart upload against the AWS ETag form md5(part MD5s)-N', async () => {
    // AWS S3 answers CompleteMultipartUpload with hex(md5(md5(part1) ‖ md5(part2) ‖ md5(part3)))-3; s3rver does not,
    // so its answer is rewritten here: once to the AWS value (accepted), once to a wrong one (refused).
    const partMd5s = [0, 1, 2].map((i) => createHash('md5').update(big.subarray(i * 5 * MIB, (i + 1) * 5 * MIB)).digest());
    const awsEtag = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3`;
    const dir = folder('aws-etag', { 'big.csv': big });
    for (const [answer, ok] of [[awsEtag, true], [`${'0'.repeat(32)}-3`, false]] as const) {
      const c = createS3Client({ endpoint: s3.endpoint });
      c.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName === 'CompleteMultipartUploadCommand') (result.output as { ETag?: string }).ETag = `"${answer}"`;
          return result;
        },
        { step: 'initialize', name: 'awsMultipartEtag' },
      );
      try {
        const upload = uploadDirectory(c, dir, { bucket: BUCKET, prefix: 'aws-etag/' }, { partSize: 5 * MIB });
        if (ok) {
          assert.deepEqual(await upload, [{ key: 'aws-etag/big.csv', bytes: big.length, etag: awsEtag, multipart: true }]);
        } else {
          await rejectsWith(upload, 'ChecksumMismatch', ['s3://landing/aws-etag/big.csv', awsEtag, 'deleted']);
          assert.equal(await exists('aws-etag/big.csv'), false);
        }
      } finally {
        c.destroy();
      }
    }
  });
});

describe('listLocation', () => {
  it('returns every object under the prefix across pages', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 7; i++) files[`part-${i}.csv`] = `id\n${i}\n`;
    files['deeper/part-7.csv'] = 'id\n7\n';
    await uploadDirectory(client, folder('paged', files), { bucket: BUCKET, prefix: 'paged/' });
    await put('paged-not-this/x.csv', 'no');

    let requests = 0;
    const counting = createS3Client({ endpoint: s3.endpoint });
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command') requests++;
        return next(args);
      },
      { step: 'initialize', name: 'countLists' },
    );
    try {
      const listed = await listLocation(counting, { bucket: BUCKET, prefix: 'paged' }, { pageSize: 3 });
      assert.deepEqual(
        listed.map((o) => o.key),
        Object.keys(files).map((rel) => `paged/${rel}`).sort(),
      );
      for (const o of listed) {
        const content = files[o.key.slice('paged/'.length)]!;
        assert.equal(o.size, Buffer.byteLength(content));
        assert.equal(o.etag, md5(content));
        assert.ok(o.lastModified instanceof Date);
      }
      assert.equal(requests, 3, '8 objects in pages of 3');
    } finally {
      counting.destroy();
    }
    assert.deepEqual(await listLocation(client, { bucket: BUCKET, prefix: 'nothing-here/' }), []);
  });
});

describe('syncToCache', () => {
  const location = { bucket: BUCKET, prefix: 'sync/' };
  const cache = (): string => join(work, 'cache');
  const localFile = (rel: string): string => join(cache(), 'files', ...rel.split('/'));
  const partials = (): string[] => readdirSync(join(cache(), '.partial'));
  const bigV2 = randomBytes(12 * MIB + 7);
  const bigV3 = randomBytes(12 * MIB + 9);

  it('first sync downloads everything, the second nothing', async () => {
    await put('sync/a.csv', 'id\n1\n');
    await put('sync/b.csv', 'id\n2\n');
    await put('sync/sub/c.csv', 'id\n3\n');
    await put('sync/big.csv', 'id\nbig v1\n');
    await put('sync/folder-marker/', '');

    const first = await syncToCache(client, location, cache());
    assert.deepEqual(first, { downloaded: ['a.csv', 'b.csv', 'big.csv', 'sub/c.csv'], unchanged: [], removed: [], localDir: join(cache(), 'files') });
    assert.equal(readFileSync(localFile('sub/c.csv'), 'utf8'), 'id\n3\n');
    assert.equal(readFileSync(localFile('big.csv'), 'utf8'), 'id\nbig v1\n');

    const second = await syncToCache(client, location, cache());
    assert.deepEqual(second.downloaded, []);
    assert.deepEqual(second.unchanged, ['a.csv', 'b.csv', 'big.csv', 'sub/c.csv']);
    assert.deepEqual(second.removed, []);
  });

  it('downloads only what changed and removes what was deleted', async () => {
    await put('sync/b.csv', 'id\n2\n22\n');
    const changed = await syncToCache(client, location, cache());
    assert.deepEqual(changed.downloaded, ['b.csv']);
    assert.deepEqual(changed.unchanged, ['a.csv', 'big.csv', 'sub/c.csv']);
    assert.equal(readFileSync(localFile('b.csv'), 'utf8'), 'id\n2\n22\n');

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'sync/a.csv' }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'sync/sub/c.csv' }));
    writeFileSync(localFile('stray.csv'), 'not from S3');
    const deleted = await syncToCache(client, location, cache());
    assert.deepEqual(deleted.downloaded, []);
    assert.deepEqual(deleted.removed, ['a.csv', 'stray.csv', 'sub/c.csv']);
    assert.equal(existsSync(localFile('a.csv')), false);
    assert.equal(existsSync(join(cache(), 'files', 'sub')), false, 'empty folders are pruned');
    assert.deepEqual(JSON.parse(readFileSync(join(cache(), 'manifest.json'), 'utf8')).objects['b.csv'].etag, md5('id\n2\n22\n'));
  });

  it('an aborted download leaves the previous version in place and no partial file', async () => {
    await put('sync/big.csv', bigV2);
    const controller = new AbortController();
    let seen = 0;
    const err = await rejectsWith(
      syncToCache(client, location, cache(), {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.file === 'big.csv' && e.bytes > 0 && e.bytes < e.total) {
            seen = e.bytes;
            controller.abort();
          }
        },
      }),
      'Aborted',
      ['s3://landing/sync/big.csv'],
    );
    assert.ok(seen > 0 && seen < bigV2.length, `aborted mid-way (${seen} bytes): ${err.message}`);
    assert.equal(readFileSync(localFile('big.csv'), 'utf8'), 'id\nbig v1\n');
    assert.deepEqual(partials(), []);

    const resumed = await syncToCache(client, location, cache());
    assert.deepEqual(resumed.downloaded, ['big.csv']);
    assert.ok(readFileSync(localFile('big.csv')).equals(bigV2));
  });

  it('a server that dies mid-download leaves the previous version in place and no partial file', async () => {
    await put('sync/big.csv', bigV3);
    const proxy = await cuttingProxy(s3.port, 3 * MIB);
    const viaProxy = createS3Client({ endpoint: proxy.endpoint, maxAttempts: 1 });
    try {
      await rejectsWith(syncToCache(viaProxy, location, cache()), 'Interrupted', ['s3://landing/sync/big.csv']);
      assert.equal(proxy.cuts(), 1);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
    assert.ok(readFileSync(localFile('big.csv')).equals(bigV2), 'the previous version is intact');
    assert.deepEqual(partials(), []);

    const resumed = await syncToCache(client, location, cache());
    assert.deepEqual(resumed.downloaded, ['big.csv']);
    assert.ok(readFileSync(localFile('big.csv')).equals(bigV3));
  });

  it('rejects a download whose bytes do not match the ETag', async () => {
    // Corrupt s3rver's stored copy behind its back; it still announces the original MD5 as ETag.
    const stored = join(s3.directory, BUCKET, 'sync', 'b.csv._S3rver_object');
    const bytes = readFileSync(stored);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(stored, bytes);
    rmSync(localFile('b.csv'));
    await rejectsWith(syncToCache(client, location, cache()), 'ChecksumMismatch', ['s3://landing/sync/b.csv', md5('id\n2\n22\n')]);
    assert.equal(existsSync(localFile('b.csv')), false, 'nothing corrupt at the final path');
    assert.deepEqual(partials(), []);
  });
});

describe('errors', () => {
  it('names a missing bucket', async () => {
    await rejectsWith(listLocation(client, { bucket: 'no-such-bucket', prefix: 'orders/' }), 'NoSuchBucket', ['"no-such-bucket"', 's3://no-such-bucket/orders/', s3.endpoint]);
    await rejectsWith(syncToCache(client, { bucket: 'no-such-bucket', prefix: 'orders/' }, join(work, 'cache-missing')), 'NoSuchBucket', ['s3://no-such-bucket/orders/']);
    const dir = folder('to-missing', { 'a.csv': 'id\n1\n' });
    await rejectsWith(uploadDirectory(client, dir, { bucket: 'no-such-bucket', prefix: 'orders/' }), 'NoSuchBucket', ['s3://no-such-bucket/orders/a.csv']);
  });

  it('names the endpoint it cannot reach', async () => {
    const port = await closedPort();
    const unreachable = createS3Client({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    try {
      await rejectsWith(listLocation(unreachable, { bucket: BUCKET, prefix: 'orders/' }), 'Unreachable', [
        `http://127.0.0.1:${port}`,
        'connection refused',
        's3://landing/orders/',
      ]);
    } finally {
      unreachable.destroy();
    }
  });

  it('says the credentials were rejected without showing them', async () => {
    const keyId = 'medallion-test-key-id';
    const secret = 'medallion-test-secret-value';
    const wrong = createS3Client({ endpoint: s3.endpoint, credentials: { accessKeyId: keyId, secretAccessKey: secret } });
    const shaped = createS3Client({ endpoint: s3.endpoint, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret } });
    try {
      for (const c of [wrong, shaped]) {
        const err = await rejectsWith(listLocation(c, { bucket: BUCKET, prefix: 'orders/' }), 'BadCredentials', ['InvalidAccessKeyId', 's3://landing/orders/', 'AWS_PROFILE']);
        const everything = `${err.message}\n${err.stack}\n${inspect(err, { depth: 10 })}\n${JSON.stringify(err)}`;
        for (const s of [keyId, secret, 'AKIAIOSFODNN7EXAMPLE']) assert.ok(!everything.includes(s), `a credential leaked: ${everything}`);
      }
    } finally {
      wrong.destroy();
      shaped.destroy();
    }
  });

  it('rejects a bad endpoint and a missing landing folder clearly', async () => {
    assert.throws(() => createS3Client({ endpoint: 'ftp://127.0.0.1:21' }), /must use http:\/\/ or https:\/\//);
    assert.throws(() => createS3Client({ endpoint: 'http://key:secret@127.0.0.1:9000' }), (err: unknown) => err instanceof LandingError && !err.message.includes('secret'));
    await rejectsWith(uploadDirectory(client, join(work, 'does-not-exist'), { bucket: BUCKET, prefix: 'x/' }), 'LocalIO', [join(work, 'does-not-exist')]);
  });
});
