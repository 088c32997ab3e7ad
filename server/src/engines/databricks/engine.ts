/**
 * Databricks SQL through the official `@databricks/sql` driver, unmodified: one driver session per
 * worker thread, statements tagged with the node they build, cancellation wired to the runner's
 * signal, the warehouse's own error text and SQLSTATE in every failure. Telemetry is off.
 */
import type IDBSQLSession from '@databricks/sql/dist/contracts/IDBSQLSession';
import type IOperation from '@databricks/sql/dist/contracts/IOperation';
import type { DBSQLClient } from '@databricks/sql';
import { dialectFor, type Dialect, type Relation } from '../../core/compiler';
import type { Target } from '../../core/profiles';
import { cancelledError, EngineError, SchemaCreator, type Column, type Engine, type EngineSession, type ExecuteOptions, type LandingFiles, type LandingLoad, type MaterializeRequest, type MaterializeResult, type QueryResult, type RelationInfo } from '../engine';
import { connectionSettings, type DatabricksSettings } from './settings';
import { landingStatements, materialize, type DatabricksSessionApi } from './materializations';

export class DatabricksEngine implements Engine {
  readonly type = 'databricks';
  readonly dialect: Dialect = dialectFor('databricks')!;
  private readonly schemas = new SchemaCreator(this.dialect);
  readonly landingAccess = 'warehouse' as const;
  private readonly idle: DatabricksSession[] = [];
  private readonly all: DatabricksSession[] = [];

  private constructor(
    private readonly client: DBSQLClient,
    readonly settings: DatabricksSettings,
  ) {}

  /** Connects (no session yet); a wrong host, path or token fails at the first `acquire`. */
  static async open(target: Target, env: Record<string, string | undefined>): Promise<DatabricksEngine> {
    const settings = connectionSettings(target, env);
    const { DBSQLClient } = await import('@databricks/sql');
    // The driver logs to the console by default; ours stays quiet (its errors reach us as values).
    const client = new DBSQLClient({ logger: { log: () => undefined } as never });
    try {
      await client.connect(settings.connect as never);
    } catch (err) {
      throw connectionError(err, settings);
    }
    return new DatabricksEngine(client, settings);
  }

  async acquire(signal?: AbortSignal): Promise<EngineSession> {
    if (signal?.aborted) throw cancelledError();
    const ready = this.idle.pop();
    if (ready) return ready;
    let session: IDBSQLSession;
    try {
      // Catalog only: the target schema may not exist yet (the runner creates it), and every
      // relation the engine writes is fully qualified anyway.
      session = await this.client.openSession({
        ...(this.settings.catalog ? { initialCatalog: this.settings.catalog } : {}),
        ...(this.settings.sessionConfiguration ? { configuration: this.settings.sessionConfiguration } : {}),
      });
    } catch (err) {
      throw connectionError(err, this.settings);
    }
    const created = new DatabricksSession(session, this.settings);
    this.all.push(created);
    // Cancelled while the session was opening: it joins the pool (closed with the engine), unused.
    if (signal?.aborted) {
      this.idle.push(created);
      throw cancelledError();
    }
    return created;
  }

  release(session: EngineSession): void {
    this.idle.push(session as DatabricksSession);
  }

  async createLanding(session: EngineSession, relation: Relation, files: LandingFiles, signal?: AbortSignal): Promise<LandingLoad> {
    const { statements, load } = await landingStatements(session, this.dialect, this.settings, relation, files, signal);
    for (const sql of statements) await session.execute(sql, { ...(signal ? { signal } : {}), tag: relation.identifier });
    return load;
  }

  async describeQuery(session: EngineSession, sql: string, signal?: AbortSignal): Promise<Column[]> {
    // The result's schema, as dbt-databricks reads it from the cursor (type names without precision).
    return (await session.execute(sql, signal ? { signal } : {})).columns;
  }

  materialize(session: EngineSession, request: MaterializeRequest): Promise<MaterializeResult> {
    return materialize(session, this.dialect, request);
  }

  ensureSchema(session: EngineSession, database: string | undefined, schema: string, signal?: AbortSignal): Promise<void> {
    return this.schemas.ensure(session, database, schema, signal);
  }

  cancelAll(): void {
    for (const s of this.all) s.cancelRunning();
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((s) => s.close()));
    this.all.length = 0;
    this.idle.length = 0;
    await this.client.close().catch(() => undefined);
  }
}

class DatabricksSession implements DatabricksSessionApi {
  private readonly running = new Set<IOperation>();
  private readonly dialect = dialectFor('databricks')!;

  constructor(
    private readonly session: IDBSQLSession,
    private readonly settings: DatabricksSettings,
  ) {}

  async execute(sql: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    return this.run(sql, options);
  }

  /** Statements bound to `?` markers (seeds): values travel as parameters, never as SQL text. */
  async executeWithParameters(sql: string, parameters: unknown[], options: ExecuteOptions = {}): Promise<QueryResult> {
    return this.run(sql, options, parameters);
  }

  private async run(sql: string, options: ExecuteOptions, parameters?: unknown[]): Promise<QueryResult> {
    const { signal } = options;
    if (signal?.aborted) throw new EngineError('Cancelled before it started', sql, undefined, 'CANCELLED');
    let operation: IOperation;
    try {
      operation = await this.session.executeStatement(sql, {
        ...(options.tag ? { queryTags: { medallion_node: options.tag } } : {}),
        ...(parameters ? { ordinalParameters: parameters as never } : {}),
        ...(this.settings.statementTimeoutSeconds ? { queryTimeout: this.settings.statementTimeoutSeconds } : {}),
      });
    } catch (err) {
      throw statementError(err, sql, this.settings);
    }
    this.running.add(operation);
    const cancel = (): void => void operation.cancel().catch(() => undefined);
    signal?.addEventListener('abort', cancel, { once: true });
    // A client-side deadline as well: SQL warehouses ignore queryTimeout (it is for clusters).
    const timer = this.settings.statementTimeoutSeconds ? setTimeout(cancel, this.settings.statementTimeoutSeconds * 1000) : undefined;
    try {
      const rows = (await operation.fetchAll()) as Array<Record<string, unknown>>;
      const schema = await operation.getSchema();
      const columns: Column[] = (schema?.columns ?? []).map((c) => ({ name: c.columnName, type: typeName(c.typeDesc?.types?.[0]?.primitiveEntry?.type) }));
      let values = rows.map((row) => columns.map((c) => plainValue(row[c.name], c.type)));
      if (options.limit !== undefined) values = values.slice(0, options.limit);
      return { columns, rows: values };
    } catch (err) {
      if (signal?.aborted) throw new EngineError('Cancelled', sql, undefined, 'CANCELLED');
      if (timer && this.settings.statementTimeoutSeconds && isCancelled(err)) {
        throw new EngineError(`Timed out after ${this.settings.statementTimeoutSeconds} s (statement_timeout in the profile)`, sql, undefined, 'TIMEOUT');
      }
      throw statementError(err, sql, this.settings);
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      this.running.delete(operation);
      await operation.close().catch(() => undefined);
    }
  }

  /**
   * Delta commits each statement atomically and SQL warehouses have no multi-statement
   * transactions: statements run in order and the first failure stops the rest. Materializations
   * on this engine are written so that each step leaves a consistent table.
   */
  async transaction(statements: string[], options: ExecuteOptions = {}): Promise<void> {
    for (const sql of statements) await this.execute(sql, options);
  }

  async relationInfo(relation: Relation, options: { columns?: boolean } = {}): Promise<RelationInfo | undefined> {
    const lit = (s: string | undefined): string => this.dialect.stringLiteral(String(s ?? ''));
    const q = (s: string): string => this.dialect.quoteIdentifier(s);
    const container = relation.database ? `${q(relation.database)}.${q(relation.schema ?? '')}` : q(relation.schema ?? '');
    const identifier = relation.identifier.toLowerCase();
    let tables: QueryResult;
    try {
      tables = await this.execute(`show tables in ${container} like ${lit(identifier)}`);
    } catch (err) {
      // The schema itself does not exist yet: neither does the relation.
      if (err instanceof EngineError && /SCHEMA_NOT_FOUND|NO_SUCH_SCHEMA|not found|does not exist/i.test(err.message)) return undefined;
      throw err;
    }
    const nameAt = tables.columns.findIndex((c) => c.name === 'tableName');
    const tempAt = tables.columns.findIndex((c) => c.name === 'isTemporary');
    const found = tables.rows.find((r) => String(r[nameAt]).toLowerCase() === identifier && r[tempAt] !== true && r[tempAt] !== 'true');
    if (!found) return undefined;
    const views = await this.execute(`show views in ${container} like ${lit(identifier)}`);
    const viewNameAt = views.columns.findIndex((c) => c.name === 'viewName');
    const type = views.rows.some((r) => String(r[viewNameAt]).toLowerCase() === identifier) ? 'view' : 'table';
    if (options.columns === false) return { type, columns: [] };
    return { type, columns: await this.describeColumns(relation.render()) };
  }

  /** Columns of a table or view as `describe table` lists them (partition and info blocks skipped). */
  async describeColumns(renderedRelation: string): Promise<Column[]> {
    const described = await this.execute(`describe table ${renderedRelation}`);
    const columns: Column[] = [];
    for (const [name, type] of described.rows) {
      const n = String(name ?? '');
      if (n === '' || n.startsWith('#')) break;
      columns.push({ name: n, type: String(type) });
    }
    return columns;
  }

  cancelRunning(): void {
    for (const op of this.running) void op.cancel().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.cancelRunning();
    await this.session.close().catch(() => undefined);
  }
}

function typeName(type: number | undefined): string {
  // TTypeId from TCLIService: the names Databricks reports in `describe`.
  const names: Record<number, string> = { 0: 'boolean', 1: 'tinyint', 2: 'smallint', 3: 'int', 4: 'bigint', 5: 'float', 6: 'double', 7: 'string', 8: 'timestamp', 9: 'binary', 10: 'array', 11: 'map', 12: 'struct', 13: 'uniontype', 15: 'decimal', 16: 'void', 17: 'date', 18: 'varchar', 19: 'char', 20: 'interval_year_month', 21: 'interval_day_time' };
  return type === undefined ? 'unknown' : (names[type] ?? `type${type}`);
}

/** The runner's value conventions: bigint kept, dates and timestamps as ISO text, nested values as JSON text. */
function plainValue(value: unknown, type: string): unknown {
  if (value instanceof Date) return type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '');
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)) return JSON.stringify(value);
  return value;
}

function isCancelled(err: unknown): boolean {
  return (err as { errorCode?: string })?.errorCode === 'CANCELED' || /cancel/i.test(String((err as Error)?.message));
}

/**
 * The warehouse's message, not the driver's wrapper: `OperationStateError` carries the server's
 * text and SQLSTATE in `response`; Spark adds a Java stack trace we drop.
 */
export function statementError(err: unknown, sql: string, settings?: DatabricksSettings): EngineError {
  const e = err as { message?: string; response?: { errorMessage?: string; sqlState?: string; displayMessage?: string; status?: { errorMessage?: string; sqlState?: string } }; errorCode?: string };
  const raw = e?.response?.displayMessage || e?.response?.errorMessage || e?.response?.status?.errorMessage || e?.message || String(err);
  const sqlState = e?.response?.sqlState || e?.response?.status?.sqlState || /SQLSTATE:\s*(\w{5})/.exec(raw)?.[1];
  if (isAuthFailure(raw)) return authError(settings, raw);
  const message = cleanServerMessage(raw);
  const line = /line (\d+),? pos \d+/i.exec(message) ?? /\(line (\d+), pos/i.exec(message);
  return new EngineError(sqlState && !message.includes(sqlState) ? `${message} (SQLSTATE ${sqlState})` : message, sql, line ? Number(line[1]) : undefined, sqlState ?? e?.errorCode);
}

/** First lines of a server message without Java stack frames and wrapper prefixes. */
export function cleanServerMessage(raw: string): string {
  const lines = raw
    .split('\n')
    .filter((l) => !/^\s+at [\w$.<>/-]+\(.*\)\s*$/.test(l) && !/^\s*\.\.\. \d+ more\s*$/.test(l) && !/^Caused by: /.test(l));
  return lines
    .join('\n')
    .replace(/^(org\.apache\.hive\.service\.cli\.HiveSQLException: )?(Error running query: )?/, '')
    .replace(/^(org\.apache\.spark\.sql\.[\w.]+Exception: )/, '')
    .trim();
}

function isAuthFailure(text: string): boolean {
  return /\b(401|403)\b|unauthori[sz]ed|invalid access token|authenticat/i.test(text);
}

function authError(settings: DatabricksSettings | undefined, detail: string): EngineError {
  const where = settings ? ` at ${settings.host}` : '';
  const how = settings?.authType === 'oauth' ? 'Sign in again (OAuth)' : 'Check the token (DATABRICKS_TOKEN, or "Medallion: Set Databricks Token" in VS Code)';
  const code = /\b403\b/.test(detail) ? 'HTTP 403' : /\b401\b/.test(detail) ? 'HTTP 401' : 'authentication failed';
  return new EngineError(`Databricks refused the credentials${where} (${code}). ${how}.`, undefined, undefined, 'AUTH');
}

function connectionError(err: unknown, settings: DatabricksSettings): EngineError {
  const message = (err as Error)?.message ?? String(err);
  if (isAuthFailure(message)) return authError(settings, message);
  return new EngineError(`Cannot connect to Databricks at ${settings.host}:${settings.port}${settings.path}: ${cleanServerMessage(message)}`, undefined, undefined, 'CONNECT');
}
