/**
 * The landing zone as relations: every source table that declares where its raw files land
 * (`meta: {landing: {location, format}}`) becomes a view over those files before bronze runs.
 * Local folders are read in place; S3 locations are read from a local cache synced first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Compiler } from '../core/compiler';
import type { ProjectNode } from '../core/model';
import type { Engine, EngineSession } from '../engines/engine';

export interface LandingSpec {
  node: ProjectNode;
  location: string;
  format: string;
  /** `copy_into`: the warehouse loads new files into a table (Databricks); else a view over the files. */
  ingest?: string;
}

export function landingSpec(node: ProjectNode): LandingSpec | undefined {
  if (node.resourceType !== 'source') return undefined;
  const landing = (node.config.meta.landing ?? node.source?.sourceMeta.landing) as { location?: unknown; format?: unknown; ingest?: unknown } | undefined;
  if (!landing || typeof landing.location !== 'string') return undefined;
  return { node, location: landing.location, format: typeof landing.format === 'string' ? landing.format : 'csv', ...(typeof landing.ingest === 'string' ? { ingest: landing.ingest } : {}) };
}

/**
 * Creates (or replaces) the relation of every landing table. `localDirFor` maps a table to where the
 * engine reads it: a local folder for engines reading local files (the synced cache for S3), the
 * location itself for engines whose warehouse reads the landing zone. `files` is -1 when not counted.
 */
export async function createLandingViews(
  engine: Engine,
  session: EngineSession,
  compiler: Compiler,
  specs: LandingSpec[],
  projectRoot: string,
  localDirFor: (spec: LandingSpec) => Promise<string>,
  signal?: AbortSignal,
): Promise<Array<{ source: string; relation: string; files: number }>> {
  const created: Array<{ source: string; relation: string; files: number }> = [];
  for (const spec of specs) {
    const relation = compiler.relation(spec.node);
    const display = `${spec.node.source!.sourceName}.${spec.node.name}`;
    if (spec.format !== 'csv' && spec.format !== 'parquet' && spec.format !== 'json') throw new Error(`Source ${display}: landing format '${spec.format}' is not supported (csv, parquet, json)`);
    const where = await localDirFor(spec);
    const location = /^[a-z][a-z0-9+.-]*:\/\//i.test(where) || isAbsolute(where) ? where : join(projectRoot, where);
    const extension = spec.format === 'parquet' ? '.parquet' : spec.format === 'json' ? '.json' : '.csv';
    let fileCount = -1;
    let pattern = location;
    if (engine.landingAccess === 'local') {
      if (!existsSync(location)) throw new Error(`Landing folder of source ${display} does not exist: ${location}`);
      fileCount = readdirSync(location).filter((f) => f.endsWith(extension)).length;
      if (fileCount === 0) throw new Error(`No ${extension} files in the landing folder of source ${display}: ${location}`);
      pattern = join(location, `*${extension}`);
    }
    const types = spec.node.columns.filter((c) => c.dataType).map((c) => ({ name: c.name, type: c.dataType! }));
    await engine.ensureSchema(session, relation.database, relation.schema!);
    await engine.createLanding(session, relation, { pattern, format: spec.format, types, ...(spec.ingest ? { ingest: spec.ingest } : {}) }, signal);
    created.push({ source: display, relation: relation.render(), files: fileCount });
  }
  return created;
}
