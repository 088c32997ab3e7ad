/**
 * dbt-compatible artifacts in the target folder: `manifest.json` (schema v12, built by
 * core/manifest.ts and streamed here) and `run_results.json` (schema v6).
 * Written to a temp file and renamed: a reader never sees half a file.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Analysis } from '../core/analysis';
import type { Compiler } from '../core/compiler';
import { QUOTE_ALL } from '../core/compiler/dialect';
import { storedFailures } from '../core/compiler/generic-tests';
import type { FileHost } from '../core/host';
import { manifestChunks, type ManifestRelation } from '../core/manifest';
import type { ProjectNode } from '../core/model';
import type { Target } from '../core/profiles';
import type { RunSummary } from './types';

const DBT_VERSION = '1.12.6';

function writeAtomic(path: string, value: unknown): void {
  writeChunksAtomic(path, [JSON.stringify(value, null, 2)]);
}

/**
 * Writes JSON text pieces to `path` through a temp file renamed into place: a reader never sees
 * half a file, and a document of any size is written without being one string in memory. Pieces
 * are encoded straight into one reused 1 MiB buffer (half the time of joining them and writing
 * the joined string, which copies every byte twice).
 */
export function writeChunksAtomic(path: string, chunks: Iterable<string>): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    for (const chunk of chunks) {
      // A UTF-16 code unit is at most 3 bytes of UTF-8.
      if (used + chunk.length * 3 > buffer.length) {
        writeAll(fd, buffer, used);
        used = 0;
        if (chunk.length * 3 > buffer.length) {
          const bytes = Buffer.from(chunk, 'utf8');
          writeAll(fd, bytes, bytes.length);
          continue;
        }
      }
      used += buffer.write(chunk, used);
    }
    writeAll(fd, buffer, used);
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  renameSync(temp, path);
}

/** write(2) may take less than asked: write until all of it is. */
function writeAll(fd: number, buffer: Buffer, length: number): void {
  for (let done = 0; done < length; ) done += writeSync(fd, buffer, done, length - done);
}

function metadata(schema: string, invocationId: string, generatedAt: string): Record<string, unknown> {
  return { dbt_schema_version: `https://schemas.getdbt.com/dbt/${schema}`, dbt_version: DBT_VERSION, generated_at: generatedAt, invocation_id: invocationId, env: {} };
}

export interface ManifestRequest {
  analysis: Analysis;
  host: FileHost;
  compiler: Compiler;
  target: Target;
  invocationId: string;
  /** Compiled SQL of the nodes this invocation compiled (run, build, compile); none for parse. */
  compiled?: ReadonlyMap<string, string>;
  runStartedAt?: Date;
  /** Defaults to now. */
  generatedAt?: Date;
}

/** target/manifest.json as `dbt parse` writes it (compiled fields for what was compiled), streamed to disk. */
export function writeManifest(dir: string, request: ManifestRequest): string {
  mkdirSync(dir, { recursive: true });
  const { analysis, compiler, target } = request;
  const path = join(dir, 'manifest.json');
  const relationOf = (node: ProjectNode): ManifestRelation => {
    if (node.resourceType === 'operation') return { database: target.database ?? null, schema: target.schema ?? null, identifier: node.name, rendered: null };
    if (node.resourceType === 'test' && !storedFailures(node.config, compiler.options.storeFailures).store) {
      // A test that stores no failures has names but no relation_name: its names alone (no quoting policy, no relation built).
      const names = compiler.relationNames(node);
      return { database: names.database ?? null, schema: names.schema ?? null, identifier: names.identifier, rendered: null };
    }
    const relation = compiler.relation(node);
    if (node.resourceType === 'source') {
      // A dbt-duckdb external source renders as its location; its parts are still the source's.
      const s = node.source!;
      return { database: relation.database ?? s.database ?? target.database ?? null, schema: relation.schema ?? s.schema ?? null, identifier: s.identifier, rendered: relation.render() };
    }
    // Ephemeral models have names but no relation.
    const names = relation.type === 'cte' ? compiler.relationNames(node) : relation;
    const rendered = relation.type === 'cte' || node.resourceType === 'analysis' ? null : relation.render();
    return { database: names.database ?? null, schema: names.schema ?? null, identifier: names.identifier, rendered };
  };
  // dbt-duckdb and dbt-databricks quote every part by default.
  const quoting = QUOTE_ALL;
  writeChunksAtomic(
    path,
    manifestChunks({
      analysis,
      host: request.host,
      relationOf: (node) => {
        try {
          return relationOf(node);
        } catch {
          // A naming macro that fails for this node: no relation name (the compile reports why); the target's names.
          return { database: target.database ?? null, schema: target.schema ?? null, identifier: node.name, rendered: null };
        }
      },
      adapterType: target.type,
      quoting: { database: quoting.database, schema: quoting.schema, identifier: quoting.identifier, column: null },
      dbtVersion: DBT_VERSION,
      invocationId: request.invocationId,
      generatedAt: request.generatedAt ?? new Date(),
      ...(request.runStartedAt ? { runStartedAt: request.runStartedAt } : {}),
      ...(request.compiled ? { compiled: request.compiled } : {}),
    }),
  );
  return path;
}

const STATUS: Record<string, string> = { success: 'success', error: 'error', pass: 'pass', warn: 'warn', fail: 'fail', skipped: 'skipped', cancelled: 'error', 'no-op': 'no-op' };

export function writeRunResults(dir: string, summary: RunSummary, invocationId: string, args: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'run_results.json');
  writeAtomic(path, {
    metadata: metadata('run-results/v6.json', invocationId, new Date().toISOString()),
    results: summary.results.map((r) => ({
      unique_id: r.uniqueId,
      status: STATUS[r.status],
      timing: [
        { name: 'compile', started_at: r.startedAt, completed_at: r.startedAt },
        { name: 'execute', started_at: r.startedAt, completed_at: r.completedAt },
      ],
      thread_id: r.thread,
      execution_time: r.seconds,
      adapter_response: r.rows !== undefined ? { _message: r.message, rows_affected: r.rows } : {},
      message: r.message,
      failures: r.failures ?? null,
      compiled: r.compiledSql !== undefined,
      compiled_code: r.compiledSql ?? null,
      relation_name: r.relation ?? null,
    })),
    elapsed_time: summary.elapsedSeconds,
    args,
  });
  return path;
}
