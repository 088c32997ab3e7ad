/**
 * The landing zone as relations: every source table that declares where its raw files land
 * (`meta: {landing: {location, format, on_bad_rows}}`) is loaded before bronze runs (DuckDB: a
 * validated table; Databricks: a view over the files). Local folders are read in place; S3
 * locations are read from a local cache synced first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Compiler, Relation } from '../core/compiler';
import type { ProjectNode } from '../core/model';
import type { Engine, EngineSession, LandingFiles } from '../engines/engine';
import type { LandingOutcome } from './types';

export interface LandingSpec {
  node: ProjectNode;
  location: string;
  format: string;
  /** `copy_into`: the warehouse loads new files into a table (Databricks); else a view over the files. */
  ingest?: string;
  /** `meta.landing.on_bad_rows` as written (`fail` by default, or `reject`). */
  onBadRows?: unknown;
}

export function landingSpec(node: ProjectNode): LandingSpec | undefined {
  if (node.resourceType !== 'source') return undefined;
  const landing = (node.config.meta.landing ?? node.source?.sourceMeta.landing) as { location?: unknown; format?: unknown; ingest?: unknown; on_bad_rows?: unknown } | undefined;
  if (!landing || typeof landing.location !== 'string') return undefined;
  return {
    node,
    location: landing.location,
    format: typeof landing.format === 'string' ? landing.format : 'csv',
    ...(typeof landing.ingest === 'string' ? { ingest: landing.ingest } : {}),
    ...(landing.on_bad_rows !== undefined ? { onBadRows: landing.on_bad_rows } : {}),
  };
}

/**
 * Loads every landing table: the relation it is read through is created (or replaced) by the
 * engine. `localDirFor` maps a table to where the engine reads it: a local folder for engines
 * reading local files (the synced cache for S3), the location itself for engines whose warehouse
 * reads the landing zone. A table that cannot load (no files, a malformed row, a bad option) is an
 * outcome with `error`, never an exception: only its descendants fail. Stops at a cancel.
 */
export async function loadLandingTables(
  engine: Engine,
  session: EngineSession,
  compiler: Compiler,
  specs: LandingSpec[],
  projectRoot: string,
  localDirFor: (spec: LandingSpec) => Promise<string>,
  signal?: AbortSignal,
): Promise<LandingOutcome[]> {
  const outcomes: LandingOutcome[] = [];
  for (const spec of specs) {
    if (signal?.aborted) break;
    const relation = compiler.relation(spec.node);
    const outcome: LandingOutcome = { source: `${spec.node.source!.sourceName}.${spec.node.name}`, uniqueId: spec.node.uniqueId, relation: relation.render(), files: -1 };
    try {
      Object.assign(outcome, await loadOne(engine, session, spec, relation, projectRoot, localDirFor, signal));
    } catch (err) {
      if (signal?.aborted) break;
      outcome.error = err instanceof Error ? err.message : String(err);
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

async function loadOne(engine: Engine, session: EngineSession, spec: LandingSpec, relation: Relation, projectRoot: string, localDirFor: (spec: LandingSpec) => Promise<string>, signal?: AbortSignal): Promise<Partial<LandingOutcome>> {
  const display = `${spec.node.source!.sourceName}.${spec.node.name}`;
  if (spec.format !== 'csv' && spec.format !== 'parquet' && spec.format !== 'json') throw new Error(`Source ${display}: landing format '${spec.format}' is not supported (csv, parquet, json)`);
  const onBadRows = spec.onBadRows ?? 'fail';
  if (onBadRows !== 'fail' && onBadRows !== 'reject') throw new Error(`Source ${display}: meta.landing.on_bad_rows '${String(onBadRows)}' is not supported (fail, reject)`);
  const where = await localDirFor(spec);
  const files = landingFilesAt(spec, where, projectRoot, engine.landingAccess === 'local');
  await engine.ensureSchema(session, relation.database, relation.schema!, signal);
  const load = await engine.createLanding(session, relation, files, signal);
  return { files: files.files?.length ?? -1, ...load };
}

/**
 * A landing table's files at `where` as the engine reads them: for engines reading local files,
 * the folder's files of the table's format, sorted (none, or no folder, is an error); for the
 * others the location itself. The column model reads the same.
 */
export function landingFilesAt(spec: LandingSpec, where: string, projectRoot: string, local: boolean): LandingFiles {
  const display = `${spec.node.source!.sourceName}.${spec.node.name}`;
  const format = spec.format as LandingFiles['format'];
  const onBadRows = (spec.onBadRows ?? 'fail') as LandingFiles['onBadRows'];
  const location = /^[a-z][a-z0-9+.-]*:\/\//i.test(where) || isAbsolute(where) ? where : join(projectRoot, where);
  const extension = format === 'parquet' ? '.parquet' : format === 'json' ? '.json' : '.csv';
  const files: LandingFiles = { pattern: location, format, types: spec.node.columns.filter((c) => c.dataType).map((c) => ({ name: c.name, type: c.dataType! })), ...(onBadRows ? { onBadRows } : {}), ...(spec.ingest ? { ingest: spec.ingest } : {}) };
  if (local) {
    if (!existsSync(location)) throw new Error(`Landing folder of source ${display} does not exist: ${location}`);
    const names = readdirSync(location)
      .filter((f) => f.endsWith(extension))
      .sort();
    if (names.length === 0) throw new Error(`No ${extension} files in the landing folder of source ${display}: ${location}`);
    files.pattern = join(location, `*${extension}`);
    files.files = names.map((f) => join(location, f));
    files.display = (path) => {
      const rel = relative(projectRoot, path);
      return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
    };
  }
  return files;
}
