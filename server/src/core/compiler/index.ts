/** Compilation entry points: a dialect per adapter type and the Compiler. */
import { createDatabricksDialect } from './databricks';
import type { Dialect } from './dialect';
import { createDuckDbDialect } from './duckdb';

export { Compiler, TemplateCache, type CompileOptions, type CompileResult } from './compiler';
export type { Dialect } from './dialect';
export { Relation } from './relation';

/** The dialect for a dbt adapter type; undefined for adapters the product does not support. */
export function dialectFor(type: string): Dialect | undefined {
  if (type === 'duckdb') return createDuckDbDialect();
  if (type === 'databricks' || type === 'spark') return createDatabricksDialect();
  return undefined;
}
