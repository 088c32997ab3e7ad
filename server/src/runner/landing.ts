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
}

export function landingSpec(node: ProjectNode): LandingSpec | undefined {
  if (node.resourceType !== 'source') return undefined;
  const landing = (node.config.meta.landing ?? node.source?.sourceMeta.landing) as { location?: unknown; format?: unknown } | undefined;
  if (!landing || typeof landing.location !== 'string') return undefined;
  return { node, location: landing.location, format: typeof landing.format === 'string' ? landing.format : 'csv' };
}

/**
 * Creates (or replaces) a view per landing table. `localDirFor` maps a location to a local folder
 * (identity for local folders; the synced cache for S3).
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
    const dir = await localDirFor(spec);
    const folder = isAbsolute(dir) ? dir : join(projectRoot, dir);
    const display = `${spec.node.source!.sourceName}.${spec.node.name}`;
    if (!existsSync(folder)) throw new Error(`Landing folder of source ${display} does not exist: ${folder}`);
    const extension = spec.format === 'parquet' ? '.parquet' : spec.format === 'json' ? '.json' : '.csv';
    const files = readdirSync(folder).filter((f) => f.endsWith(extension));
    if (files.length === 0) throw new Error(`No ${extension} files in the landing folder of source ${display}: ${folder}`);
    if (spec.format !== 'csv' && spec.format !== 'parquet' && spec.format !== 'json') throw new Error(`Source ${display}: landing format '${spec.format}' is not supported (csv, parquet, json)`);
    const types = spec.node.columns.filter((c) => c.dataType).map((c) => ({ name: c.name, type: c.dataType! }));
    await engine.ensureSchema(session, relation.database, relation.schema!);
    await session.execute(engine.landingViewSql(relation, { pattern: join(folder, `*${extension}`), format: spec.format, types }), signal ? { signal } : {});
    created.push({ source: display, relation: relation.render(), files: files.length });
  }
  return created;
}
