/**
 * The column model on a Databricks warehouse, when the user opts in (it starts and bills a
 * warehouse): `DESCRIBE QUERY <compiled SQL>` binds a model against the warehouse's own tables
 * without running it. Columns found are cached in target/ by compiled SQL (a second session asks
 * the warehouse only about SQL it has not seen); problems are never cached: they are asked again.
 * Seeds are typed by the seed loader's own reading of the CSV, sources and built relations by
 * describing them.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ColumnDef } from '../../core/columns/model';
import { dialectFor, type Relation } from '../../core/compiler';
import type { ProjectNode } from '../../core/model';
import type { Target } from '../../core/profiles';
import type { BindOutcome, BindProblem, ColumnBinder } from '../binder';
import { EngineError, type EngineSession } from '../engine';
import { DatabricksEngine } from './engine';
import { readSeed } from '../seed';
import { seedTypes, snapshotStagingSql } from './materializations';

const PREFIX = 'describe query ';

export class DescribeQueryBinder implements ColumnBinder {
  readonly exact = true;
  readonly catalog = 'warehouse' as const;
  private readonly dialect = dialectFor('databricks')!;
  private opened: Promise<{ engine: DatabricksEngine; session: EngineSession }> | undefined;
  private readonly cache = new Map<string, ColumnDef[]>();
  private readonly cachePath: string;
  private dirty = false;

  constructor(
    private readonly target: Target,
    private readonly env: Record<string, string | undefined>,
    projectRoot: string,
    targetPath = 'target',
  ) {
    this.cachePath = resolve(projectRoot, targetPath, 'medallion-columns', `describe-${target.name.replace(/[^\w-]/g, '_')}.json`);
    try {
      const saved = JSON.parse(readFileSync(this.cachePath, 'utf8')) as Record<string, ColumnDef[]>;
      for (const [k, v] of Object.entries(saved)) if (Array.isArray(v)) this.cache.set(k, v);
    } catch {
      // No cache yet (or an unreadable one): the warehouse is asked.
    }
  }

  /** Nothing to define: DESCRIBE QUERY reads the warehouse's own tables. */
  async define(): Promise<void> {}

  async bind(sql: string): Promise<BindOutcome> {
    const key = createHash('sha256').update(sql).digest('hex');
    const hit = this.cache.get(key);
    if (hit) return { columns: hit };
    const outcome = await this.describe(`${PREFIX}${sql}`, PREFIX.length, sql);
    if (outcome.columns) {
      this.cache.set(key, outcome.columns);
      this.dirty = true;
    }
    return outcome;
  }

  async bindSnapshot(node: ProjectNode, sql: string): Promise<BindOutcome> {
    let staged: string;
    try {
      staged = snapshotStagingSql(this.dialect, node, sql);
    } catch (err) {
      return { problem: { kind: 'other', message: (err as Error).message } };
    }
    const outcome = await this.bind(staged);
    // Positions in the staged SQL → positions in the snapshot's own SQL.
    if (outcome.problem?.offset !== undefined) {
      const at = staged.indexOf(`\n${sql}\n`) + 1;
      const inner = outcome.problem.offset - at;
      if (inner >= 0 && inner <= sql.length) outcome.problem.offset = inner;
      else delete outcome.problem.offset;
    }
    return outcome;
  }

  async bindSeed(node: ProjectNode, projectRoot: string): Promise<BindOutcome> {
    try {
      const seed = readSeed(node, projectRoot);
      const types = seedTypes(seed);
      return { columns: seed.names.map((name, i) => ({ name, type: types[i]! })) };
    } catch (err) {
      return { problem: { kind: 'io', message: (err as Error).message } };
    }
  }

  /** Landing files are read by the warehouse itself (from S3): their columns come from describing the landing relation. */
  async bindLanding(): Promise<BindOutcome> {
    return { problem: { kind: 'unavailable', message: 'the warehouse reads the landing files itself' } };
  }

  /** A built relation's columns (not cached: a build may change them). */
  bindRelation(relation: Relation): Promise<BindOutcome> {
    const text = `select * from ${relation.render()}`;
    return this.describe(`${PREFIX}${text}`, -1, text);
  }

  /** Lineage comes from DuckDB's parser (not this warehouse's): none here. */
  async parseTree(): Promise<unknown> {
    return undefined;
  }

  private async describe(statement: string, at: number, sql: string): Promise<BindOutcome> {
    let session: EngineSession;
    try {
      this.opened ??= DatabricksEngine.open(this.target, this.env).then(async (engine) => ({ engine, session: await engine.acquire() }));
      session = (await this.opened).session;
    } catch (err) {
      this.opened = undefined;
      return { problem: { kind: 'unavailable', message: (err as Error).message } };
    }
    try {
      const result = await session.execute(statement);
      // col_name, data_type, comment; partition and detail sections (after an empty or `#` row) are not columns.
      const columns: ColumnDef[] = [];
      for (const row of result.rows) {
        const name = String(row[0] ?? '');
        if (name === '' || name.startsWith('#')) break;
        columns.push({ name, type: String(row[1] ?? '') });
      }
      return { columns };
    } catch (err) {
      return { problem: toProblem(err, at, sql) };
    }
  }

  async close(): Promise<void> {
    if (this.dirty) {
      try {
        mkdirSync(dirname(this.cachePath), { recursive: true });
        const temp = `${this.cachePath}.${process.pid}.tmp`;
        writeFileSync(temp, JSON.stringify(Object.fromEntries(this.cache)));
        renameSync(temp, this.cachePath);
        this.dirty = false;
      } catch {
        // A cache that cannot be written only costs a warehouse call next time.
      }
    }
    const opened = await this.opened?.catch(() => undefined);
    await opened?.engine.close();
  }
}

/**
 * The warehouse's error → a problem. Only the analyzer's verdicts on columns and types are SQL
 * problems (SQLSTATE 42703 unresolved column, 42702 ambiguous reference, 42K09 data type
 * mismatch); a table not built yet, a permission, a function the warehouse lacks are not.
 */
function toProblem(err: unknown, at: number, sql: string): BindProblem {
  const message = (err as Error).message ?? String(err);
  const code = err instanceof EngineError ? err.code : undefined;
  const kind: BindProblem['kind'] =
    code === '42703' ? 'column-unknown' : code === '42702' ? 'column-ambiguous' : code === '42K09' ? 'type-mismatch' : code === '42P01' || code === '42S02' || code === '42883' ? 'catalog' : code === '42601' ? 'syntax' : code === 'AUTH' || code === 'CONNECT' ? 'unavailable' : 'other';
  const problem: BindProblem = { kind, message: message.split('\n')[0]! };
  const name = /name `([^`]+)`/.exec(message)?.[1] ?? /column `([^`]+)`/i.exec(message)?.[1];
  if (name) problem.name = name.split('`.`').pop()!;
  // "line L, pos P": P is 0-based in line L of what was sent; line 1 starts with the prefix.
  const position = /line (\d+),? pos (\d+)/i.exec(message);
  if (position && at >= 0) {
    const line = Number(position[1]);
    const pos = Number(position[2]) - (line === 1 ? at : 0);
    const lines = sql.split('\n');
    if (line >= 1 && line <= lines.length && pos >= 0) problem.offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.min(pos, lines[line - 1]!.length);
  }
  return problem;
}
