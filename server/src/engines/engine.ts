/**
 * The one small interface every warehouse implements. The runner talks only to this; each
 * engine owns its connection handling and the SQL of its materializations.
 */
import type { Dialect, Relation } from '../core/compiler';
import type { Contract } from '../core/contracts';
import type { ProjectNode } from '../core/model';

export interface Column {
  name: string;
  /** The engine's type name, e.g. `INTEGER`, `DECIMAL(10,2)`, `string`. */
  type: string;
}

export interface QueryResult {
  columns: Column[];
  /** Rows as plain JS values (bigint kept as bigint; dates as ISO strings). */
  rows: unknown[][];
}

export interface RelationInfo {
  type: 'table' | 'view';
  columns: Column[];
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Row cap for queries that return rows (previews). */
  limit?: number;
  /** The node this statement builds or tests; engines with query tags attach it (Databricks). */
  tag?: string;
}

/** A connection used by one worker at a time. */
export interface EngineSession {
  execute(sql: string, options?: ExecuteOptions): Promise<QueryResult>;
  /** Runs statements as one unit: all or nothing. */
  transaction(statements: string[], options?: ExecuteOptions): Promise<void>;
  /** Whether the relation exists, as what, and (unless `columns: false`) its columns. */
  relationInfo(relation: Relation, options?: { columns?: boolean }): Promise<RelationInfo | undefined>;
  /** Interrupts this session's running statement, where the engine can (an engine shared by several users cancels only its own). */
  interrupt?(): void;
}

/** What a materialization needs: the node, its target relation, its compiled SQL, and run flags. */
export interface MaterializeRequest {
  node: ProjectNode;
  relation: Relation;
  sql: string;
  fullRefresh: boolean;
  signal?: AbortSignal;
  /** Absolute path of the project, for seeds' CSV files. */
  projectRoot: string;
  /**
   * The model's enforced contract (already checked against the SQL's columns): tables are built
   * with the contract's columns, in its order, and the constraints the engine supports.
   */
  contract?: Contract;
  /** Foreign-key targets of the contract's constraints (`to: ref('x')`) as relation text. */
  references?: Map<string, string>;
}

export interface MaterializeResult {
  /** Rows written (tables, incrementals, seeds, snapshots); undefined where the engine cannot tell. */
  rowsAffected?: number;
  message: string;
}

/** Raw files of one landing table, for a relation over them (the engine knows how to read files). */
export interface LandingFiles {
  /**
   * Engines reading local files: an absolute glob (`/cache/orders/*.csv`). Engines reading the
   * landing zone from the warehouse: the table's location (`s3://bucket/prefix/orders/`, or an
   * absolute folder the warehouse can read).
   */
  pattern: string;
  format: 'csv' | 'parquet' | 'json';
  /** Declared column types from the source yml (name → type as written there). */
  types: Array<{ name: string; type: string }>;
  /** How the table is ingested: a view over the files (default) or, where supported, `copy_into` a table. */
  ingest?: string;
  /** Engines reading local files: the files themselves, sorted (the pattern matches exactly these). */
  files?: string[];
  /**
   * What a malformed row does (`meta.landing.on_bad_rows`): `fail` (default) fails the load, naming
   * file, line and column, and leaves the previous load in place; `reject` loads the valid rows and
   * keeps the bad ones in `<table>__rejects`.
   */
  onBadRows?: 'fail' | 'reject';
  /** Makes an absolute file path readable in messages (relative to the project where possible). */
  display?: (path: string) => string;
}

/**
 * The column every landing relation adds on every engine: the name (without folder) of the file
 * each row came from, so incremental models can load each file once (docs/incremental-landing.md).
 */
export const LANDING_FILE = '_landing_file';

/** What loading a landing table did, where the engine can tell. */
export interface LandingLoad {
  rows?: number;
  rejected?: number;
  /** The relation holding the rejected rows (on_bad_rows: reject). */
  rejectsRelation?: string;
}

export interface Engine {
  readonly type: string;
  readonly dialect: Dialect;
  /**
   * Where this engine reads landing files: `local` (files on this machine; S3 is synced to a local
   * cache first) or `warehouse` (the warehouse reads the location itself, e.g. Databricks on S3).
   */
  readonly landingAccess: 'local' | 'warehouse';
  /**
   * Creates or replaces the relation a landing table is read through. A malformed file throws an
   * `EngineError` naming file, line and column (unless `onBadRows` is `reject`), and the relation
   * keeps its previous content.
   */
  createLanding(session: EngineSession, relation: Relation, files: LandingFiles, signal?: AbortSignal): Promise<LandingLoad>;
  /** A session from the pool (created on demand, up to the engine's limit); none opens once `signal` is aborted. */
  acquire(signal?: AbortSignal): Promise<EngineSession>;
  release(session: EngineSession): void;
  /** The columns (names and this engine's type names) a query returns, without reading a row. */
  describeQuery(session: EngineSession, sql: string, signal?: AbortSignal): Promise<Column[]>;
  /** Builds a model, seed or snapshot with this engine's materialization SQL. */
  materialize(session: EngineSession, request: MaterializeRequest): Promise<MaterializeResult>;
  /** Creates a schema when missing (not once `signal` is aborted). */
  ensureSchema(session: EngineSession, database: string | undefined, schema: string, signal?: AbortSignal): Promise<void>;
  /** Interrupts every running statement (Ctrl-C, cancel in the editor). */
  cancelAll(): void;
  close(): Promise<void>;
}

/**
 * `create schema if not exists`, once per schema and engine: workers that ask at the same time
 * share one statement (concurrent creation conflicts in DuckDB's catalog and costs a round trip
 * on Databricks). A failure is forgotten, so the next node tries again.
 */
export class SchemaCreator {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly dialect: Dialect) {}

  ensure(session: EngineSession, database: string | undefined, schema: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelledError());
    const name = this.dialect.renderRelation(undefined, database, schema);
    let pending = this.pending.get(name);
    if (!pending) {
      pending = session.execute(`create schema if not exists ${name}`, signal ? { signal } : {}).then(() => undefined);
      pending.catch(() => this.pending.delete(name));
      this.pending.set(name, pending);
    }
    return pending;
  }
}

/** What a node is built as: `seed`, `snapshot`, or the model's `materialized` config. */
export function materializationOf(node: ProjectNode): string {
  return node.resourceType === 'seed' ? 'seed' : node.resourceType === 'snapshot' ? 'snapshot' : String(node.config.materialized);
}

/** The error every engine throws for work refused because the run was cancelled. */
export function cancelledError(): EngineError {
  return new EngineError('Cancelled before it started', undefined, undefined, 'CANCELLED');
}

/** A statement the engine's own parser rejects (on-save validation). */
export interface SyntaxProblem {
  message: string;
  /** 1-based line in the SQL given, when the engine says. */
  line?: number;
}

/** Thrown by engines; carries the engine's own message and, where known, the SQL line. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly sql?: string,
    readonly line?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}
