/**
 * The embedded DuckDB engine (`@duckdb/node-api`, in-process). One database file per target
 * (`target/medallion.duckdb` by default, `:memory:` allowed), extension autoloading off so nothing
 * is ever downloaded, one connection per worker thread.
 */
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { dialectFor, type Dialect, type Relation } from '../../core/compiler';
import type { Target } from '../../core/profiles';
import { cancelledError, EngineError, SchemaCreator, type Column, type Engine, type EngineSession, type ExecuteOptions, type LandingFiles, type LandingLoad, type MaterializeRequest, type MaterializeResult, type QueryResult, type RelationInfo } from '../engine';
import { loadLanding } from './landing';
import { materialize } from './materializations';

export interface DuckDbOptions {
  /** Resolves a relative `path` of the target. */
  projectRoot: string;
  threads?: number;
  /** Opens the file read-only (previews): other processes may read it too, none may write it meanwhile. */
  readOnly?: boolean;
}

/** The database file a DuckDB target opens (absolute), or `:memory:`. */
export function duckDbPath(target: Target, projectRoot: string): string {
  const raw = String(target.settings.path ?? ':memory:');
  return raw === ':memory:' || isAbsolute(raw) ? raw : join(projectRoot, raw);
}

/** Database files a DuckDB instance of this process has open. */
const OPEN_FILES = new Set<string>();

export class DuckDbEngine implements Engine {
  readonly type = 'duckdb';
  readonly dialect: Dialect = dialectFor('duckdb')!;
  private readonly schemas = new SchemaCreator(this.dialect);
  private instance: DuckDBInstance | undefined;
  private readonly idle: DuckDbSession[] = [];
  private readonly all: DuckDbSession[] = [];

  private constructor(private readonly path: string) {}

  static async open(target: Target, options: DuckDbOptions): Promise<DuckDbEngine> {
    const path = duckDbPath(target, options.projectRoot);
    if (path !== ':memory:' && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
    const settings: Record<string, string> = {
      // Never reach for the network: extensions that are not built in fail fast instead of downloading.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      extension_directory: join(options.projectRoot, 'target', 'duckdb_extensions'),
    };
    const extra = target.settings.settings;
    if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) settings[k] = String(v);
    if (options.readOnly) settings.access_mode = 'READ_ONLY';
    const engine = new DuckDbEngine(path);
    // Two instances on one file in one process both open without error, and the one closing last
    // silently drops the other's writes: refuse the second (share one: runner/engine-registry.ts).
    if (path !== ':memory:') {
      if (OPEN_FILES.has(path)) throw new EngineError(`The DuckDB database ${path} is already open in this process; a second instance on it would lose writes (Medallion shares one instance per file: this is a bug, please report it)`);
      OPEN_FILES.add(path);
    }
    const { DuckDBInstance } = await import('@duckdb/node-api');
    try {
      engine.instance = await DuckDBInstance.create(path, settings);
    } catch (err) {
      OPEN_FILES.delete(path);
      throw new EngineError(`Cannot open DuckDB database ${path}: ${(err as Error).message}`);
    }
    return engine;
  }

  get databasePath(): string {
    return this.path;
  }

  async acquire(signal?: AbortSignal): Promise<EngineSession> {
    if (signal?.aborted) throw cancelledError();
    const session = this.idle.pop();
    if (session) return session;
    if (!this.instance) throw new EngineError('The DuckDB engine is closed');
    const created = new DuckDbSession(await this.instance.connect());
    this.all.push(created);
    return created;
  }

  release(session: EngineSession): void {
    this.idle.push(session as DuckDbSession);
  }

  readonly landingAccess = 'local' as const;

  createLanding(session: EngineSession, relation: Relation, files: LandingFiles, signal?: AbortSignal): Promise<LandingLoad> {
    return loadLanding(session, this.dialect, relation, files, signal);
  }

  async describeQuery(session: EngineSession, sql: string, signal?: AbortSignal): Promise<Column[]> {
    // DESCRIBE of the query, as dbt-duckdb asks (its type names, e.g. DECIMAL(10,2)).
    const described = await session.execute(`describe (${sql})`, signal ? { signal } : {});
    return described.rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  }

  materialize(session: EngineSession, request: MaterializeRequest): Promise<MaterializeResult> {
    return materialize(session, this.dialect, request);
  }

  ensureSchema(session: EngineSession, database: string | undefined, schema: string, signal?: AbortSignal): Promise<void> {
    return this.schemas.ensure(session, database, schema, signal);
  }

  cancelAll(): void {
    for (const s of this.all) s.interrupt();
  }

  async close(): Promise<void> {
    for (const s of this.all) s.close();
    this.all.length = 0;
    this.idle.length = 0;
    if (this.instance) OPEN_FILES.delete(this.path);
    this.instance?.closeSync();
    this.instance = undefined;
  }
}

class DuckDbSession implements EngineSession {
  constructor(private readonly connection: DuckDBConnection) {}

  async execute(sql: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    const { signal } = options;
    if (signal?.aborted) throw new EngineError('Cancelled before it started', sql, undefined, 'CANCELLED');
    const onAbort = (): void => this.connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (/^\s*(create|drop|alter|insert|delete|update|merge|begin|commit|rollback)\b/i.test(sql)) {
        // Statements run for their effect: no result chunks to fetch.
        await this.connection.run(sql);
        return { columns: [], rows: [] };
      }
      const reader = await this.connection.runAndReadAll(sql);
      const columns: Column[] = reader.columnNames().map((name, i) => ({ name, type: String(reader.columnTypes()[i]) }));
      // JSON-shaped values: DATE as 2024-01-31, DECIMAL and BIGINT as exact strings.
      let rows = reader.getRowsJson() as unknown[][];
      if (options.limit !== undefined) rows = rows.slice(0, options.limit);
      return { columns, rows };
    } catch (err) {
      if (signal?.aborted) throw new EngineError('Cancelled', sql, undefined, 'CANCELLED');
      throw toEngineError(err, sql);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async transaction(statements: string[], options: ExecuteOptions = {}): Promise<void> {
    await this.execute('begin transaction', options);
    try {
      for (const sql of statements) await this.execute(sql, options);
      await this.execute('commit');
    } catch (err) {
      // Whatever failed, the target is left as it was.
      await this.connection.run('rollback').catch(() => undefined);
      throw err;
    }
  }

  async relationInfo(relation: Relation, options: { columns?: boolean } = {}): Promise<RelationInfo | undefined> {
    const lit = (s: string | undefined): string => `'${String(s ?? '').replace(/'/g, "''")}'`;
    // duckdb_tables()/duckdb_views() are several times cheaper than information_schema here.
    const where = `database_name = ${lit(relation.database)} and schema_name = ${lit(relation.schema)}`;
    const found = await this.execute(
      `select 'table' from duckdb_tables() where ${where} and table_name = ${lit(relation.identifier)} union all select 'view' from duckdb_views() where ${where} and view_name = ${lit(relation.identifier)} and not internal`,
    );
    if (found.rows.length === 0) return undefined;
    const type = String(found.rows[0]![0]) === 'view' ? 'view' : 'table';
    if (options.columns === false) return { type, columns: [] };
    const cols = await this.execute(`select column_name, data_type from duckdb_columns() where ${where} and table_name = ${lit(relation.identifier)} order by column_index`);
    return { type, columns: cols.rows.map(([name, t]) => ({ name: String(name), type: String(t) })) };
  }

  interrupt(): void {
    try {
      this.connection.interrupt();
    } catch {
      // closed already
    }
  }

  close(): void {
    try {
      this.connection.closeSync();
    } catch {
      // closed already
    }
  }
}

/** DuckDB's message with its `LINE n:` turned into a line number. */
function toEngineError(err: unknown, sql: string): EngineError {
  let message = err instanceof Error ? err.message : String(err);
  if (/CSV Error/.test(message)) {
    // Keep the cause, the line, the column and the file; drop the sniffer's option dump.
    message = message
      .split('\n')
      .filter((l) => !/^\s+[\w ]+ = /.test(l) || /^\s+file = /.test(l))
      .join('\n');
  }
  const line = /LINE (\d+):/.exec(message);
  return new EngineError(message.replace(/\n\s*\n/g, '\n').trim(), sql, line ? Number(line[1]) : undefined);
}
