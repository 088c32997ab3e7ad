/**
 * Where each landing table's files are for this run. A table's own location (`meta.landing.location`)
 * is used as written, unless a landing root on S3 is configured (`MEDALLION_LANDING_S3`, or
 * `--landing`): then every landing table lives at `<root>/<table>/`. S3 locations are mirrored
 * into `target/landing-cache/` (only new or changed objects are fetched) and read from there.
 */
import { isAbsolute, join } from 'node:path';
import type { ProjectNode } from '../core/model';
import type { S3Settings } from '../landing';
import { formatLocation, parseLocation } from '../landing/location';
import type { LandingSpec } from './landing';

export interface LandingZoneOptions {
  projectRoot: string;
  /** `s3://bucket/prefix`: overrides every landing table's location. */
  s3Root?: string;
  s3: S3Settings;
  signal?: AbortSignal;
  onSync?: (table: string, result: { downloaded: number; unchanged: number; removed: number }) => void;
}

/** Landing settings from the environment (the standard AWS variables for the endpoint). */
export function landingOptionsFromEnv(projectRoot: string, env: Record<string, string | undefined>, s3Root?: string): LandingZoneOptions {
  const endpoint = env.MEDALLION_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const s3: S3Settings = {};
  if (endpoint) s3.endpoint = endpoint;
  const root = s3Root ?? env.MEDALLION_LANDING_S3;
  return { projectRoot, s3, ...(root ? { s3Root: root } : {}) };
}

/** The location of one landing table for this run, as text. */
export function tableLocation(node: ProjectNode, declared: string, options: LandingZoneOptions): string {
  if (options.s3Root) return `${options.s3Root.replace(/\/+$/, '')}/${node.name}/`;
  return declared;
}

/** Where a warehouse that reads the landing zone itself (Databricks) finds each table: its location, unsynced. */
export function warehouseLocations(options: LandingZoneOptions): (spec: LandingSpec) => Promise<string> {
  return async (spec) => formatLocation(parseLocation(tableLocation(spec.node, spec.location, options), options.projectRoot));
}

/** A function the runner calls per landing table to get a local folder to read. */
export function landingResolver(options: LandingZoneOptions): (spec: LandingSpec) => Promise<string> {
  let client: import('@aws-sdk/client-s3').S3Client | undefined;
  return async (spec) => {
    const location = parseLocation(tableLocation(spec.node, spec.location, options), options.projectRoot);
    if (location.kind === 'local') return isAbsolute(location.path) ? location.path : join(options.projectRoot, location.path);
    // The AWS SDK is loaded only when a landing location is on S3 (it is large; most runs never need it).
    const { createS3Client, syncToCache } = require('../landing') as typeof import('../landing');
    client ??= createS3Client(options.s3);
    const table = `${spec.node.source!.sourceName}.${spec.node.name}`;
    const cacheDir = join(options.projectRoot, 'target', 'landing-cache', spec.node.source!.sourceName, spec.node.name);
    const result = await syncToCache(client, { bucket: location.bucket, prefix: location.prefix }, cacheDir, options.signal ? { signal: options.signal } : {});
    options.onSync?.(table, { downloaded: result.downloaded.length, unchanged: result.unchanged.length, removed: result.removed.length });
    return result.localDir;
  };
}
