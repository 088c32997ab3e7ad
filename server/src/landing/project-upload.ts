/**
 * Uploads a project's landing tables to their S3 locations: what `medallion landing upload` does,
 * shared with the language server (the editor's Upload Landing Files). Each landing table (a
 * source with `meta.landing.location`) goes to its location for a run (`tableLocation`: the S3
 * root's `<root>/<table>/` when one is configured, else its own location) from a local folder:
 * `<dir>/<table>/` when a folder is given (the CLI), else the table's own local landing folder.
 * The AWS SDK is loaded only when something is uploaded.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Analysis } from '../core/analysis';
import { landingSpec, type LandingSpec } from '../runner/landing';
import { tableLocation, type LandingZoneOptions } from '../runner/landing-zone';
import { parseLocation } from './location';
import type { TransferProgress } from './upload';

export interface ProjectUploadOptions {
  /** A folder with one sub-folder per table (or, with `source`, that table's folder). Default: each table's own local folder. */
  dir?: string;
  /** Only this table (`source.table` or `table`). */
  source?: string;
  signal?: AbortSignal;
  /** A table is about to be uploaded (from a local folder with files). */
  onTable?: (table: string, from: string, to: string) => void;
  onProgress?: (table: string, progress: TransferProgress) => void;
}

export type TableUpload = { table: string; to: string } & (
  | { status: 'uploaded'; from: string; files: number; bytes: number; multipart: boolean }
  /** The table lands in a local folder: nothing to upload. */
  | { status: 'local' }
  /** No local folder to upload from. */
  | { status: 'missing'; from: string | null }
  | { status: 'error'; message: string }
);

/** The project's landing tables (sources with `meta.landing.location`), or only `source`. */
export function landingTables(analysis: Analysis, source?: string): LandingSpec[] {
  return [...analysis.project.nodes.values()]
    .map(landingSpec)
    .filter((spec): spec is LandingSpec => spec !== undefined && (!source || `${spec.node.source!.sourceName}.${spec.node.name}` === source || spec.node.name === source));
}

/** Uploads every landing table (or `options.source`) in turn; one table's failure does not stop the others. */
export async function uploadProjectLanding(analysis: Analysis, zone: LandingZoneOptions, options: ProjectUploadOptions = {}): Promise<TableUpload[]> {
  const root = analysis.project.root;
  const out: TableUpload[] = [];
  let client: import('@aws-sdk/client-s3').S3Client | undefined;
  for (const spec of landingTables(analysis, options.source)) {
    const table = `${spec.node.source!.sourceName}.${spec.node.name}`;
    const to = tableLocation(spec.node, spec.location, zone);
    if (options.signal?.aborted) break;
    try {
      const location = parseLocation(to, root);
      if (location.kind !== 's3') {
        out.push({ table, to, status: 'local' });
        continue;
      }
      let from: string | null;
      if (options.dir !== undefined) from = options.source ? resolve(options.dir) : join(resolve(options.dir), spec.node.name);
      else {
        const own = parseLocation(spec.location, root);
        from = own.kind === 'local' ? own.path : null;
      }
      if (from === null || !existsSync(from)) {
        out.push({ table, to, status: 'missing', from });
        continue;
      }
      options.onTable?.(table, from, to);
      // Loaded here, not at startup: the AWS SDK is large and only uploads and S3 runs need it.
      const { createS3Client, uploadDirectory } = require('./index') as typeof import('./index');
      client ??= createS3Client(zone.s3);
      const results = await uploadDirectory(client, from, { bucket: location.bucket, prefix: location.prefix }, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: (p: TransferProgress) => options.onProgress!(table, p) } : {}),
      });
      out.push({ table, to, status: 'uploaded', from, files: results.length, bytes: results.reduce((a, r) => a + r.bytes, 0), multipart: results.some((r) => r.multipart) });
    } catch (err) {
      out.push({ table, to, status: 'error', message: (err as Error).message });
    }
  }
  return out;
}
