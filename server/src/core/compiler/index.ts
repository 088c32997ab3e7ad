/** Compilation entry points: a dialect per adapter type and the Compiler. */
import { createBigQueryDialect } from './bigquery';
import { createDatabricksDialect } from './databricks';
import type { Dialect } from './dialect';
import { createDuckDbDialect } from './duckdb';
import { createSnowflakeDialect } from './snowflake';
import { createTrinoDialect } from './trino';

export { Compiler, TemplateCache, type CompileOptions, type CompileResult } from './compiler';
export type { Dialect } from './dialect';
export { Relation } from './relation';

/** The dialect for a dbt adapter type; undefined for adapters the product does not support. */
export function dialectFor(type: string): Dialect | undefined {
  if (type === 'duckdb') return createDuckDbDialect();
  if (type === 'databricks' || type === 'spark') return createDatabricksDialect();
  return undefined;
}

/**
 * The dialect to compile for, whatever the adapter: the product's own, then those Medallion only
 * compiles for (Snowflake, BigQuery, Trino), else DuckDB's SQL under the profile's type.
 */
export function compileDialectFor(type: string): Dialect {
  const known = dialectFor(type);
  if (known) return known;
  if (type === 'snowflake') return createSnowflakeDialect();
  if (type === 'bigquery') return createBigQueryDialect();
  if (type === 'trino') return createTrinoDialect();
  return { ...createDuckDbDialect(), type };
}
