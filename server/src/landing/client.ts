import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { LandingError, rememberSecrets } from './errors';

export interface S3Settings {
  /** An S3-compatible endpoint (MinIO, s3rver, ...): `http://127.0.0.1:9000`. Omit for AWS S3. */
  endpoint?: string;
  /** Defaults to the standard chain (AWS_REGION, AWS_DEFAULT_REGION, profile), then us-east-1. */
  region?: string;
  /** Path-style addressing (`host/bucket/key`). Defaults to true with a custom endpoint, false for AWS. */
  forcePathStyle?: boolean;
  /** Attempts per request including retries (SDK default 3). */
  maxAttempts?: number;
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Give up on a connection idle for this long, e.g. a stalled download (default 120 s). */
  idleTimeoutMs?: number;
  /**
   * Credentials come from the standard AWS chain: env (AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN),
   * shared profile (AWS_PROFILE), SSO, instance roles; never from project files. Programmatic
   * callers (a secret store, tests) may pass credentials here; they are scrubbed from messages.
   */
  credentials?: S3ClientConfig['credentials'];
}

interface ClientInfo {
  endpoint: string;
}

const infoByClient = new WeakMap<S3Client, ClientInfo>();

/**
 * An S3 client for the landing zone.
 *
 * Checksums: `requestChecksumCalculation` and `responseChecksumValidation` are `WHEN_REQUIRED`.
 * With the SDK default (`WHEN_SUPPORTED`), stream bodies are sent `aws-chunked` with a CRC32
 * trailer; AWS S3 decodes that, but S3-compatible stores that do not (s3rver) silently store the
 * chunk framing inside the object. Integrity is instead made explicit and portable by this module:
 * bodies are sent as buffers with `Content-MD5` (S3 rejects a corrupted body with BadDigest, and
 * SigV4 signs the body's SHA-256), the ETag the server returns is compared with our own MD5
 * (single part, each part, and the multipart `md5(md5s)-N` form), and downloads ask for the
 * stored checksum (`ChecksumMode: ENABLED`), which the SDK then verifies when S3 returns one.
 */
export function createS3Client(settings: S3Settings = {}): S3Client {
  // The SDK warns on every Node below its next minimum (22). The language server runs on the Node
  // that VS Code bundles, which users cannot change: the notice is for us, not for them.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let endpointLabel = 'AWS S3';
  let endpoint: string | undefined;
  if (settings.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(settings.endpoint);
    } catch {
      throw new LandingError('InvalidArgument', `S3 endpoint "${stripUserInfo(settings.endpoint)}" is not a valid URL (expected e.g. http://127.0.0.1:9000).`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new LandingError('InvalidArgument', `S3 endpoint "${url.host}" must use http:// or https://, not ${url.protocol}//.`);
    }
    if (url.username || url.password) {
      throw new LandingError('InvalidArgument', `S3 endpoint "${url.protocol}//${url.host}" must not contain credentials; use the AWS credential chain.`);
    }
    endpoint = settings.endpoint;
    endpointLabel = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  }
  if (settings.maxAttempts !== undefined && (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1)) {
    throw new LandingError('InvalidArgument', `maxAttempts must be a positive integer, not ${settings.maxAttempts}.`);
  }

  const config: S3ClientConfig = {
    region: settings.region ?? resolveRegion,
    forcePathStyle: settings.forcePathStyle ?? endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs ?? 10_000,
      socketTimeout: settings.idleTimeoutMs ?? 120_000,
    },
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  else config.followRegionRedirects = true;
  if (settings.maxAttempts !== undefined) config.maxAttempts = settings.maxAttempts;
  if (settings.credentials !== undefined) config.credentials = settings.credentials;

  const client = new S3Client(config);
  infoByClient.set(client, { endpoint: endpointLabel });
  const creds = settings.credentials;
  if (creds && typeof creds === 'object') {
    rememberSecrets(client, [creds.accessKeyId, creds.secretAccessKey, creds.sessionToken]);
  }
  return client;
}

/** The region from the standard chain (env, shared config), or us-east-1 when none is configured. */
async function resolveRegion(): Promise<string> {
  const fromEnv = process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'];
  if (fromEnv) return fromEnv;
  const probe = new S3Client({});
  try {
    return await probe.config.region();
  } catch {
    return 'us-east-1';
  } finally {
    probe.destroy();
  }
}

function stripUserInfo(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//');
}

/** How error messages name the endpoint of a client. */
export function endpointLabel(client: S3Client): string {
  return infoByClient.get(client)?.endpoint ?? 'the S3 endpoint';
}
