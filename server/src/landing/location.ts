import * as path from 'node:path';
import { LandingError } from './errors';

/** Where a source table's raw files land: `s3://bucket/prefix/orders/` or a local folder (relative to the project root). */
export type LandingLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'local'; path: string };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//;

/**
 * Reads the `meta.landing.location` of a source table.
 *
 * - `s3://bucket/some/prefix/` → `{ kind: 's3', bucket, prefix: 'some/prefix/' }`. The prefix names a
 *   folder, so it always ends with `/` (or is empty for the whole bucket); `s3://b/a` means `a/`.
 * - `landing-data/orders/`, `/abs/path`, `file:///abs/path` → `{ kind: 'local', path }`, resolved
 *   against `projectRoot` when relative.
 *
 * Throws a `LandingError` with code `MalformedLocation` that quotes the text and says what is wrong.
 */
export function parseLocation(text: string, projectRoot: string): LandingLocation {
  const raw = text;
  const trimmed = text.trim();
  const bad = (why: string): never => {
    throw new LandingError('MalformedLocation', `Malformed landing location "${raw}": ${why}.`, { location: raw });
  };
  if (trimmed === '') bad('it is empty');

  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (/^(?:s3|s3a|s3n|gs|abfss?|wasbs?|https?|file):/i.test(trimmed)) {
      bad('a URL needs "//" after the scheme, as in s3://bucket/prefix/');
    }
    return { kind: 'local', path: path.resolve(projectRoot, trimmed) };
  }
  if (scheme === 'file') {
    let filePath: string;
    try {
      filePath = decodeURIComponent(new URL(trimmed).pathname);
    } catch {
      return bad('it is not a valid file:// URL');
    }
    if (process.platform === 'win32' && /^\/[a-zA-Z]:/.test(filePath)) filePath = filePath.slice(1);
    return { kind: 'local', path: path.resolve(projectRoot, filePath) };
  }
  if (scheme === 's3a' || scheme === 's3n') bad(`write s3:// instead of ${scheme}://`);
  if (scheme !== 's3') bad(`unsupported scheme "${scheme}://"; use s3://bucket/prefix/ or a folder relative to the project`);

  const rest = trimmed.slice('s3://'.length);
  if (/[?#]/.test(rest)) bad('an S3 location cannot contain "?" or "#"');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  let prefix = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') bad('the bucket name is missing (expected s3://bucket/prefix/)');
  if (bucket.includes('@') || bucket.includes(':')) bad('credentials or ports do not belong in an S3 location; configure the endpoint separately');
  const bucketProblem = checkBucketName(bucket);
  if (bucketProblem) bad(`bucket name "${bucket}" ${bucketProblem}`);
  if (prefix !== '') {
    if (!prefix.endsWith('/')) prefix += '/';
    const segments = prefix.slice(0, -1).split('/');
    if (segments.some((s) => s === '')) bad('the prefix has an empty path segment ("//")');
    if (segments.some((s) => s === '.' || s === '..')) bad('the prefix cannot contain "." or ".." segments');
  }
  return { kind: 's3', bucket, prefix };
}

/** Why a bucket name is invalid (S3 naming rules), or undefined when it is valid. */
function checkBucketName(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'may only contain lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit';
  }
  if (name.includes('..')) return 'cannot contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'cannot look like an IP address';
  return undefined;
}

/** The text form of a location: `s3://bucket/prefix/` or the absolute folder path. */
export function formatLocation(location: LandingLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.prefix}` : location.path;
}

/** A prefix as used for keys: '' or ending with '/'. */
export function normalizePrefix(prefix: string): string {
  if (prefix === '' || prefix.endsWith('/')) return prefix;
  return `${prefix}/`;
}
