/**
 * catalog.json as `dbt docs generate` writes it (schema v1): for every model, seed, snapshot and
 * source that exists in the warehouse, its relation type and columns (name, type, position). Pure:
 * the caller says what each relation holds (the engine after a build, or the column model for
 * what is not built), so tools that read dbt artifacts (dbt-docs and others) read Medallion's.
 */
import type { ProjectNode } from './model';

export interface CatalogColumn {
  name: string;
  type: string;
  comment?: string | null;
}

export interface CatalogEntry {
  node: ProjectNode;
  /** As the adapter names it: `BASE TABLE`/`VIEW` (DuckDB), `table`/`view` (Databricks). */
  type: string;
  database: string | null;
  schema: string;
  name: string;
  columns: CatalogColumn[];
  comment?: string | null;
}

const HAS_STATS = { id: 'has_stats', label: 'Has Stats?', value: false, include: false, description: 'Indicates whether there are statistics for this table' };

/** The nodes dbt puts in a catalog: models (not ephemeral), seeds, snapshots and sources. */
export function catalogable(node: ProjectNode): boolean {
  if (node.resourceType === 'source' || node.resourceType === 'seed' || node.resourceType === 'snapshot') return true;
  return node.resourceType === 'model' && node.config.materialized !== 'ephemeral';
}

export function catalogArtifact(entries: CatalogEntry[], meta: { dbtVersion: string; invocationId: string; generatedAt: Date; startedAt: Date }, errors: string[] = []): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  const sources: Record<string, unknown> = {};
  for (const e of entries) {
    const entry = {
      metadata: { type: e.type, schema: e.schema, name: e.name, database: e.database, comment: e.comment ?? null, owner: null },
      columns: Object.fromEntries(e.columns.map((c, i) => [c.name, { type: c.type, index: i + 1, name: c.name, comment: c.comment ?? null }])),
      stats: { has_stats: HAS_STATS },
      unique_id: e.node.uniqueId,
    };
    (e.node.resourceType === 'source' ? sources : nodes)[e.node.uniqueId] = entry;
  }
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/catalog/v1.json',
      dbt_version: meta.dbtVersion,
      generated_at: meta.generatedAt.toISOString(),
      invocation_id: meta.invocationId,
      invocation_started_at: meta.startedAt.toISOString(),
      env: {},
    },
    nodes,
    sources,
    errors: errors.length > 0 ? errors : null,
  };
}
