import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { endpointLabel } from './client';
import { LandingError, toLandingError } from './errors';
import { normalizePrefix } from './location';
import { checkPositiveInteger, normalizeEtag } from './util';

export interface RemoteObject {
  key: string;
  size: number;
  /** Without quotes, lower case. */
  etag: string;
  lastModified?: Date;
}

export interface ListOptions {
  /** Keys per request (S3's MaxKeys, at most 1000). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Every object under the location (all pages), in key order. */
export async function listLocation(
  client: S3Client,
  location: { bucket: string; prefix: string },
  options: ListOptions = {},
): Promise<RemoteObject[]> {
  const prefix = normalizePrefix(location.prefix);
  const pageSize = options.pageSize ?? 1000;
  checkPositiveInteger('pageSize', pageSize);
  const ctx = { action: 'listing', bucket: location.bucket, prefix, endpoint: endpointLabel(client), client, ...(options.signal ? { signal: options.signal } : {}) };
  const out: RemoteObject[] = [];
  let continuationToken: string | undefined;
  let startAfter: string | undefined;
  for (;;) {
    let result: ListObjectsV2CommandOutput;
    try {
      options.signal?.throwIfAborted();
      result = await client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: prefix,
          MaxKeys: Math.min(pageSize, 1000),
          ...(continuationToken !== undefined ? { ContinuationToken: continuationToken } : {}),
          ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
    } catch (err) {
      throw toLandingError(err, ctx);
    }
    for (const item of result.Contents ?? []) {
      if (item.Key === undefined) continue;
      const entry: RemoteObject = { key: item.Key, size: item.Size ?? 0, etag: normalizeEtag(item.ETag) };
      if (item.LastModified) entry.lastModified = item.LastModified;
      out.push(entry);
    }
    if (!result.IsTruncated) break;
    if (result.NextContinuationToken && result.NextContinuationToken !== continuationToken) {
      continuationToken = result.NextContinuationToken;
    } else {
      // Some S3-compatible stores mark a page truncated without a token: continue after the last key.
      const last = out[out.length - 1]?.key;
      if (last === undefined || last === startAfter) {
        throw new LandingError('S3Error', `Listing ${ctx.endpoint} s3://${location.bucket}/${prefix} did not make progress (a truncated page without a continuation token).`, {
          location: `s3://${location.bucket}/${prefix}`,
          bucket: location.bucket,
        });
      }
      continuationToken = undefined;
      startAfter = last;
    }
  }
  return out;
}
