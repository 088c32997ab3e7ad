/**
 * The small interface through which the column model asks a target engine what a query's
 * columns are, without building anything: DuckDB's binder over a schema-only in-memory catalog
 * (`duckdb/binder.ts`), or `DESCRIBE QUERY` on a Databricks warehouse (`databricks/describe.ts`).
 */
import type { Relation } from '../core/compiler';
import type { ColumnDef } from '../core/columns/model';
import type { ProjectNode } from '../core/model';
import type { LandingFiles } from './engine';

/**
 * What the engine found wrong. Only the first four become editor diagnostics: the engine's own
 * binder judged the SQL against exact inputs. The others (a relation or function the schema-only
 * catalog does not hold, a syntax the on-save parser check reports, files that are missing, a
 * warehouse that is unreachable) say only that the columns are unknown.
 */
export type BindProblemKind = 'column-unknown' | 'column-ambiguous' | 'type-mismatch' | 'bind' | 'catalog' | 'syntax' | 'io' | 'unavailable' | 'other';

export interface BindProblem {
  kind: BindProblemKind;
  message: string;
  /** UTF-16 offset in the SQL given, where the engine says. */
  offset?: number;
  /** The name the problem is about (an unknown column), when the engine says. */
  name?: string;
}

export type BindOutcome = { columns: ColumnDef[]; problem?: undefined } | { columns?: undefined; problem: BindProblem };

export interface ColumnBinder {
  /** True when the engine's own binder answers (then its problems are exact). */
  readonly exact: boolean;
  /**
   * What the binder binds against: a schema-only catalog it holds (what `define` put there, DuckDB in
   * memory), or the warehouse's own tables (Databricks), which may lag behind the project.
   */
  readonly catalog: 'schema-only' | 'warehouse';
  /** Makes `relation` exist in the binder's catalog with exactly these columns (undefined: not at all). */
  define(relation: Relation, columns: ColumnDef[] | undefined): Promise<void>;
  /** The output columns of a query, or the engine's first problem with it. */
  bind(sql: string): Promise<BindOutcome>;
  /** The columns of a snapshot of this query (its columns plus the snapshot's own); offsets are in `sql`. */
  bindSnapshot(node: ProjectNode, sql: string): Promise<BindOutcome>;
  /** The columns of a seed as the seed loader types them. */
  bindSeed(node: ProjectNode, projectRoot: string): Promise<BindOutcome>;
  /** The columns of a landing table as its landing view reads the files. */
  bindLanding(files: LandingFiles): Promise<BindOutcome>;
  /** The columns of a relation as the warehouse holds it (warehouse binders). */
  bindRelation?(relation: Relation): Promise<BindOutcome>;
  /** The engine's parse tree of a query (DuckDB's `json_serialize_sql`), when it has one. */
  parseTree(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/** The problems that are editor diagnostics. */
export function isSqlProblem(kind: BindProblemKind): boolean {
  return kind === 'column-unknown' || kind === 'column-ambiguous' || kind === 'type-mismatch' || kind === 'bind';
}
