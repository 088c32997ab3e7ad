/**
 * Errors of the landing zone. Every failure is a `LandingError` whose message names the location
 * (bucket and key, or folder) and the cause in plain words. Messages are built from our own text
 * plus the service's error code; anything taken from the SDK is passed through `redact` first, and
 * the raw SDK error (which can carry the access key id) is never attached.
 */

export type LandingErrorCode =
  | 'MalformedLocation' // parseLocation: the text is not a usable s3:// URL or folder
  | 'InvalidArgument' // bad option (part size, endpoint URL, ...)
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'AccessDenied' // the credentials are valid but not allowed to do this
  | 'BadCredentials' // no credentials, unknown key, bad signature, expired token
  | 'Unreachable' // the endpoint could not be reached at all (refused, DNS, connect timeout)
  | 'Interrupted' // the connection broke during a transfer
  | 'ChecksumMismatch' // bytes stored or received differ from the bytes sent or announced
  | 'Aborted' // the caller's AbortSignal fired
  | 'LocalIO' // reading the landing folder or writing the cache failed
  | 'UnmirrorableKey' // an object key that cannot become a local file path
  | 'S3Error'; // any other error answered by the service

export interface LandingErrorWhere {
  /** `s3://bucket/prefix/` or a local folder. */
  location?: string;
  bucket?: string;
  key?: string;
}

export class LandingError extends Error {
  override readonly name = 'LandingError';
  readonly code: LandingErrorCode;
  readonly bucket?: string;
  readonly key?: string;
  readonly location?: string;
  /** HTTP status of the service's answer, when there was one. */
  readonly status?: number;

  constructor(code: LandingErrorCode, message: string, where: LandingErrorWhere = {}, extra: { status?: number; cause?: Error } = {}) {
    super(message, extra.cause ? { cause: extra.cause } : undefined);
    this.code = code;
    if (where.bucket !== undefined) this.bucket = where.bucket;
    if (where.key !== undefined) this.key = where.key;
    if (where.location !== undefined) this.location = where.location;
    if (extra.status !== undefined) this.status = extra.status;
  }
}

// ---------------------------------------------------------------------------------------------
// Redaction

const secretsByClient = new WeakMap<object, string[]>();

/** Remembers explicit secrets of a client so that they are scrubbed from its error messages. */
export function rememberSecrets(client: object, secrets: Array<string | undefined>): void {
  secretsByClient.set(client, secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8));
}

/** Access key ids have a recognisable shape (AKIA..., ASIA..., ...). */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|A3T[A-Z0-9])[A-Z0-9]{12,}\b/g;

/** Removes credentials (from the environment, the client, or by shape) from a text. */
export function redact(text: string, client?: object): string {
  const secrets = [
    process.env['AWS_ACCESS_KEY_ID'],
    process.env['AWS_SECRET_ACCESS_KEY'],
    process.env['AWS_SESSION_TOKEN'],
    ...(client ? secretsByClient.get(client) ?? [] : []),
  ];
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join('***');
  }
  return out.replace(ACCESS_KEY_ID, '***');
}

// ---------------------------------------------------------------------------------------------
// Classification of SDK / network errors

export interface FailureContext {
  /** What we were doing, as a phrase: "listing", "uploading data/a.csv to", "downloading". */
  action: string;
  bucket: string;
  key?: string;
  /** The prefix (folder) when the operation concerns a location rather than one object. */
  prefix?: string;
  /** Human description of the endpoint, e.g. `http://127.0.0.1:4568` or `AWS S3`. */
  endpoint: string;
  signal?: AbortSignal;
  client?: object;
}

const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ETIMEDOUT: 'connection timed out',
  ECONNABORTED: 'connection aborted',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate could not be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host name',
};

const TRANSFER_FAILURES: Record<string, string> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed by the server',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed before the transfer was complete',
};

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'CredentialsProviderError',
]);

const DIGEST_CODES = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'InvalidChecksum']);

function errno(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code in CONNECT_FAILURES || code in TRANSFER_FAILURES)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errno(errors[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeTarget(ctx: { bucket: string; key?: string; prefix?: string }): string {
  if (ctx.key !== undefined) return `s3://${ctx.bucket}/${ctx.key}`;
  return `s3://${ctx.bucket}/${ctx.prefix ?? ''}`;
}

/** Turns anything thrown by the SDK, the network or a stream into a LandingError. */
export function toLandingError(err: unknown, ctx: FailureContext): LandingError {
  if (err instanceof LandingError) return err;
  const target = describeTarget(ctx);
  const where: LandingErrorWhere = { location: target, bucket: ctx.bucket };
  if (ctx.key !== undefined) where.key = ctx.key;
  const e = (err && typeof err === 'object' ? err : {}) as {
    name?: unknown;
    message?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.Code === 'string' ? e.Code : name;
  const rawMessage = typeof e.message === 'string' ? e.message : String(err);
  const message = redact(rawMessage, ctx.client);
  const status = e.$metadata?.httpStatusCode;
  const cause = new Error(`${redact(code, ctx.client)}: ${message}`);
  const extra: { status?: number; cause: Error } = { cause };
  if (status !== undefined) extra.status = status;

  if (ctx.signal?.aborted || name === 'AbortError' || code === 'ABORT_ERR') {
    return new LandingError('Aborted', `Cancelled ${ctx.action} ${target}: the operation was aborted.`, where, extra);
  }
  const netCode = errno(err);
  if (netCode && netCode in CONNECT_FAILURES) {
    return new LandingError(
      'Unreachable',
      `Cannot reach the S3 endpoint ${ctx.endpoint} (${CONNECT_FAILURES[netCode]}) while ${ctx.action} ${target}.`,
      where,
      extra,
    );
  }
  if (netCode && netCode in TRANSFER_FAILURES) {
    return new LandingError(
      'Interrupted',
      `The transfer was interrupted (${TRANSFER_FAILURES[netCode]}) while ${ctx.action} ${target} at ${ctx.endpoint}.`,
      where,
      extra,
    );
  }
  if (name === 'TimeoutError' || code === 'RequestTimeout' || code === 'TimeoutError') {
    return new LandingError('Unreachable', `The S3 endpoint ${ctx.endpoint} did not answer in time while ${ctx.action} ${target}.`, where, extra);
  }
  if (code === 'NoSuchBucket' || (status === 404 && ctx.key === undefined)) {
    return new LandingError('NoSuchBucket', `S3 bucket "${ctx.bucket}" does not exist at ${ctx.endpoint} (while ${ctx.action} ${target}).`, where, extra);
  }
  if (code === 'NoSuchKey' || (status === 404 && ctx.key !== undefined)) {
    return new LandingError('NoSuchKey', `S3 object ${target} does not exist (while ${ctx.action} it).`, where, extra);
  }
  if (CREDENTIAL_CODES.has(code) || CREDENTIAL_CODES.has(name)) {
    const hint = 'Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or AWS_PROFILE.';
    const what =
      name === 'CredentialsProviderError'
        ? `No AWS credentials were found for ${ctx.action} ${target}.`
        : `S3 at ${ctx.endpoint} rejected the credentials (${code}) while ${ctx.action} ${target}.`;
    return new LandingError('BadCredentials', `${what} ${hint}`, where, extra);
  }
  if (code === 'AccessDenied' || code === 'AllAccessDisabled' || code === 'AccountProblem' || status === 403) {
    return new LandingError(
      'AccessDenied',
      `Access denied (${code}) while ${ctx.action} ${target} at ${ctx.endpoint}: the credentials in use are not allowed to do this; check the IAM and bucket policies.`,
      where,
      extra,
    );
  }
  if (DIGEST_CODES.has(code) || /checksum mismatch/i.test(rawMessage)) {
    return new LandingError(
      'ChecksumMismatch',
      `Checksum mismatch while ${ctx.action} ${target}: the bytes did not arrive intact (${code}: ${message}).`,
      where,
      extra,
    );
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') {
    return new LandingError(
      'S3Error',
      `S3 bucket "${ctx.bucket}" is in another region than the one configured (${code}) while ${ctx.action} ${target}; set the region.`,
      where,
      extra,
    );
  }
  const statusText = status !== undefined ? ` (HTTP ${status})` : '';
  return new LandingError('S3Error', `S3 request failed while ${ctx.action} ${target} at ${ctx.endpoint}: ${code}${statusText}: ${message}`, where, extra);
}
