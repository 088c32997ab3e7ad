/**
 * DuckDB's own binder over a schema-only catalog: an in-memory DuckDB (never the project's
 * database file) holding empty tables with the upstream columns and types under the same
 * database, schema and table names the compiled SQL uses. Preparing a query binds it there in
 * about a millisecond without running it: its columns and types, or DuckDB's error with its
 * position (`errors_as_json`). Calls are serialized on one connection.
 */
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ColumnDef } from '../../core/columns/model';
import { byteOffsetConverter } from '../../core/columns/query';
import { dialectFor, type Relation } from '../../core/compiler';
import type { ProjectNode } from '../../core/model';
import type { Target } from '../../core/profiles';
import type { BindOutcome, BindProblem, ColumnBinder } from '../binder';
import type { LandingFiles } from '../engine';
import { readSeed } from '../seed';
import { landingSelectSql } from './landing';
import { seedTypes, snapshotStagingSql } from './materializations';

/** `StatementType.SELECT` of @duckdb/node-api (the module itself is loaded on first use). */
const SELECT_STATEMENT = 1;

export class DuckDbBinder implements ColumnBinder {
  readonly exact = true;
  readonly catalog = 'schema-only' as const;
  private readonly dialect = dialectFor('duckdb')!;
  private queue: Promise<unknown> = Promise.resolve();
  /** Parsing has its own connection and queue: a parse tree is made while the binder binds. */
  private parseQueue: Promise<unknown> = Promise.resolve();
  private readonly databases = new Set<string>();
  private readonly schemas = new Set<string>();
  /** What each defined relation holds now, so an unchanged definition costs nothing. */
  private readonly defined = new Map<string, string>();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly parser: DuckDBConnection,
    readonly database: string,
  ) {}

  static async open(target: Target, projectRoot: string): Promise<DuckDbBinder> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    // Nothing is downloaded: extensions that are not built in fail fast (their functions stay unknown).
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      extension_directory: join(projectRoot, 'target', 'duckdb_extensions'),
    });
    const connection = await instance.connect();
    await connection.run('set errors_as_json = true');
    const binder = new DuckDbBinder(instance, connection, await instance.connect(), target.database);
    // Unqualified names resolve where the real database file would resolve them.
    await binder.serial(async () => {
      await binder.attach(target.database);
      await connection.run(`use ${binder.dialect.quoteIdentifier(target.database)}`);
    });
    return binder;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    // A call on a closed connection crashes DuckDB's native side: after close() nothing starts.
    if (this.closed) return Promise.reject(new Error('the column binder is closed'));
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async attach(database: string): Promise<void> {
    const key = database.toLowerCase();
    if (this.databases.has(key) || key === 'memory' || key === 'temp' || key === 'system') return;
    await this.connection.run(`attach ':memory:' as ${this.dialect.quoteIdentifier(database)}`);
    this.databases.add(key);
  }

  define(relation: Relation, columns: ColumnDef[] | undefined): Promise<void> {
    return this.serial(async () => {
      const name = relation.render();
      const signature = columns ? columns.map((c) => `${c.name}\u0000${c.type ?? ''}`).join('\u0001') : undefined;
      if (this.defined.get(name) === signature) return;
      if (!columns || columns.length === 0 || columns.some((c) => !c.type)) {
        await this.run(`drop table if exists ${name}`);
        this.defined.delete(name);
        return;
      }
      if (relation.database) await this.attach(relation.database);
      if (relation.schema) {
        const schema = this.dialect.renderRelation(undefined, relation.database, relation.schema);
        if (!this.schemas.has(schema)) {
          await this.run(`create schema if not exists ${schema}`);
          this.schemas.add(schema);
        }
      }
      const list = columns.map((c) => `${this.dialect.quoteIdentifier(c.name)} ${c.type}`).join(', ');
      try {
        await this.run(`create or replace table ${name} (${list})`);
        this.defined.set(name, signature!);
      } catch {
        // A type DuckDB cannot declare: better no relation (its readers stay unknown) than a wrong one.
        await this.run(`drop table if exists ${name}`).catch(() => undefined);
        this.defined.delete(name);
      }
    });
  }

  bind(sql: string): Promise<BindOutcome> {
    return this.serial(() => this.describe(sql, 0, sql));
  }

  bindSnapshot(node: ProjectNode, sql: string): Promise<BindOutcome> {
    let staged: string;
    try {
      staged = snapshotStagingSql(this.dialect, node, sql);
    } catch (err) {
      return Promise.resolve({ problem: { kind: 'other', message: (err as Error).message } });
    }
    const at = staged.indexOf(`\n${sql}\n`) + 1;
    return this.serial(() => this.describe(staged, at, sql));
  }

  bindSeed(node: ProjectNode, projectRoot: string): Promise<BindOutcome> {
    // The seed loader's own reading (names, column_types or dbt's inference), in DuckDB's names for the types.
    let sql: string;
    try {
      const seed = readSeed(node, projectRoot);
      const types = seedTypes(seed);
      sql = `select ${seed.names.map((n, i) => `cast(null as ${types[i]}) as ${this.dialect.quoteIdentifier(n)}`).join(', ')}`;
    } catch (err) {
      return Promise.resolve({ problem: { kind: 'io', message: (err as Error).message } });
    }
    return this.serial(() => this.describe(sql, -1, sql));
  }

  bindLanding(files: LandingFiles): Promise<BindOutcome> {
    let sql: string;
    try {
      sql = landingSelectSql(files);
    } catch (err) {
      return Promise.resolve({ problem: { kind: 'io', message: (err as Error).message } });
    }
    return this.serial(() => this.describe(sql, -1, sql));
  }

  parseTree(sql: string): Promise<unknown> {
    const work = async (): Promise<unknown> => {
      try {
        const reader = await this.parser.runAndReadAll(`select json_serialize_sql(${literal(sql)})`);
        const text = reader.getRows()[0]?.[0];
        return typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        return undefined;
      }
    };
    if (this.closed) return Promise.resolve(undefined);
    const next = this.parseQueue.then(work, work);
    this.parseQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * Binds `text` (which holds the user's `sql` at `at`; -1: the SQL is ours, its positions mean
   * nothing to the user). Offsets of problems are returned in `sql`.
   */
  private async describe(text: string, at: number, sql: string): Promise<BindOutcome> {
    // Preparing binds without running, and refuses several statements: a model's SQL never runs here.
    let prepared;
    try {
      prepared = await this.connection.prepare(text);
    } catch (err) {
      const problem = parseError((err as Error).message, Math.max(0, at), at < 0 ? '' : sql, text);
      if (at < 0 || problem.offset === undefined || problem.offset < 0 || problem.offset > sql.length) delete problem.offset;
      return { problem };
    }
    try {
      if (prepared.statementType !== SELECT_STATEMENT) return { problem: { kind: 'other', message: 'Not a query (a model compiles to one SELECT)' } };
      const columns: ColumnDef[] = [];
      for (let i = 0; i < prepared.columnCount; i++) columns.push({ name: prepared.columnName(i), type: String(prepared.columnType(i)) });
      if (columns.some((c) => c.type!.includes('"'))) {
        // Nested types: DuckDB's own rendering (as DESCRIBE and the catalog write them).
        const reader = await this.connection.runAndReadAll(`describe ${text}`);
        return { columns: reader.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) })) };
      }
      return { columns };
    } catch (err) {
      return { problem: { kind: 'other', message: (err as Error).message.split('\n')[0]! } };
    } finally {
      prepared.destroySync();
    }
  }

  private async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async close(): Promise<void> {
    this.closed = true;
    // Closing while a statement runs crashes or hangs DuckDB: wait until both queues are quiet.
    for (let queue = this.queue, parsing = this.parseQueue; ; queue = this.queue, parsing = this.parseQueue) {
      await Promise.all([queue, parsing]).catch(() => undefined);
      if (queue === this.queue && parsing === this.parseQueue) break;
    }
    try {
      this.parser.closeSync();
      this.connection.closeSync();
      this.instance.closeSync();
    } catch {
      // closed already
    }
  }
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** DuckDB's JSON error → a problem; `shift` characters of `sent` precede the user's SQL. */
function parseError(message: string, shift: number, sql: string, sent: string): BindProblem {
  const json = message.slice(message.indexOf('{'));
  let e: Record<string, string> | undefined;
  try {
    e = JSON.parse(json) as Record<string, string>;
  } catch {
    return { kind: 'other', message: message.split('\n')[0]! };
  }
  const type = e.exception_type ?? '';
  const text = (e.exception_message ?? message).trim();
  const problem: BindProblem = { kind: classify(type, e.error_subtype ?? '', text), message: `${type} Error: ${text}` };
  if (e.position !== undefined) {
    // Positions are UTF-8 byte offsets in what was sent.
    const bytes = Number(e.position);
    const prefixBytes = Buffer.byteLength(sent.slice(0, shift), 'utf8');
    if (Number.isFinite(bytes) && bytes >= prefixBytes) problem.offset = byteOffsetConverter(sql)(bytes - prefixBytes);
    else problem.offset = -1;
  }
  const name = e.name ?? /does not have a column named "([^"]+)"/.exec(text)?.[1] ?? /column name "([^"]+)"/.exec(text)?.[1];
  if (name) problem.name = name;
  return problem;
}

function classify(type: string, subtype: string, message: string): BindProblem['kind'] {
  if (type === 'Binder') {
    if (subtype === 'COLUMN_NOT_FOUND' || /does not have a column named|Referenced column .* not found/.test(message)) return 'column-unknown';
    if (/^Ambiguous reference to column/.test(message)) return 'column-ambiguous';
    if (subtype === 'NO_MATCHING_FUNCTION' || /No function matches|Cannot (compare|mix) values of type|Could not choose a best candidate|implicit cast|Cannot use .* type/i.test(message)) return 'type-mismatch';
    return 'bind';
  }
  if (type === 'Catalog') return 'catalog';
  if (type === 'Parser') return 'syntax';
  if (type === 'IO') return 'io';
  return 'other';
}
