/**
 * DuckDB materializations with dbt's semantics. Every build is atomic: a table is built beside
 * its target and swapped in inside a transaction; an incremental merges inside a transaction;
 * a failure leaves the target exactly as it was.
 */
import type { Dialect, Relation } from '../../core/compiler';
import { contractColumnNames, type Constraint, type Contract } from '../../core/contracts';
import type { CsvColumnType } from '../../core/csv';
import type { ProjectNode } from '../../core/model';
import { EngineError, materializationOf, type EngineSession, type MaterializeRequest, type MaterializeResult, type RelationInfo } from '../engine';
import { readSeed } from '../seed';

export async function materialize(session: EngineSession, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { node } = request;
  const kind = materializationOf(node);
  switch (kind) {
    case 'view':
      return buildView(session, dialect, request);
    case 'table':
      return buildTable(session, dialect, request, `(\n${request.sql}\n)`);
    case 'incremental':
      return buildIncremental(session, dialect, request);
    case 'ephemeral':
      return { message: 'ephemeral (inlined where used)' };
    case 'seed':
      return buildSeed(session, dialect, request);
    case 'snapshot':
      return buildSnapshot(session, dialect, request);
    default:
      throw new EngineError(`Materialization '${kind}' of ${node.name} is not supported on DuckDB (view, table, incremental, ephemeral, seed, snapshot are)`);
  }
}

const q = (dialect: Dialect, name: string): string => dialect.quoteIdentifier(name);
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function sibling(dialect: Dialect, relation: Relation, suffix: string): string {
  return dialect.renderRelation(relation.database, relation.schema, `${relation.identifier}${suffix}`);
}

function dropStatement(relation: Relation, info: RelationInfo | undefined): string | undefined {
  if (!info) return undefined;
  return `drop ${info.type === 'view' ? 'view' : 'table'} if exists ${relation.render()}`;
}

async function rowCount(session: EngineSession, relation: string, signal?: AbortSignal): Promise<number> {
  const r = await session.execute(`select count(*) from ${relation}`, signal ? { signal } : {});
  return Number(r.rows[0]![0]);
}

async function buildView(session: EngineSession, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { relation, signal } = request;
  const opts = signal ? { signal } : {};
  const create = `create or replace view ${relation.render()} as (\n${request.sql}\n)`;
  try {
    // One statement is atomic on its own: the common case needs no lookup and no transaction.
    await session.execute(create, opts);
  } catch (err) {
    const existing = await session.relationInfo(relation, { columns: false });
    if (existing?.type !== 'table') throw err;
    // A table of that name (the model used to be a table): replace it in one transaction.
    await session.transaction([`drop table ${relation.render()}`, create], opts);
  }
  void dialect;
  return { message: 'view created' };
}

/** Builds `select` into a table beside the target, then swaps it in atomically. */
async function buildTable(session: EngineSession, dialect: Dialect, request: MaterializeRequest, selectSql: string): Promise<MaterializeResult> {
  const { relation, signal } = request;
  const opts = signal ? { signal } : {};
  const temp = sibling(dialect, relation, '__medallion_tmp');
  await session.execute(`drop table if exists ${temp}`, opts);
  try {
    if (request.contract) {
      // dbt-duckdb with an enforced contract: the contract's columns, types and constraints, then its columns selected by name.
      const [create, insert] = contractTableStatements(dialect, request.contract, temp, request.sql, request.references);
      await session.execute(create, opts);
      await session.execute(insert, opts);
    } else {
      await session.execute(`create table ${temp} as ${selectSql}`, opts);
    }
    const rows = await rowCount(session, temp, signal);
    const existing = await session.relationInfo(relation, { columns: false });
    const statements = [dropStatement(relation, existing), `alter table ${temp} rename to ${q(dialect, relation.identifier)}`].filter((s): s is string => Boolean(s));
    await session.transaction(statements, opts);
    return { rowsAffected: rows, message: `table built, ${rows} rows` };
  } finally {
    await session.execute(`drop table if exists ${temp}`).catch(() => undefined);
  }
}

/**
 * dbt-duckdb's contracted table: `create table (<column> <data_type> <constraints>, <model
 * constraints>)` and `insert into ... (<columns>) (select <columns> from (<sql>) as model_subq)`.
 */
export function contractTableStatements(dialect: Dialect, contract: Contract, target: string, sql: string, references?: Map<string, string>): [string, string] {
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const columns = contract.columns.map((c) => [c.quote ? q(c.name) : c.name, c.dataType, ...c.constraints.map((k) => columnConstraint(k, references)).filter(Boolean)].join(' '));
  const model = contract.constraints.map((k) => modelConstraint(k, references)).filter((k): k is string => k !== undefined);
  const names = contractColumnNames(contract, q).join(', ');
  return [`create table ${target} (\n    ${[...columns, ...model].join(',\n    ')}\n)`, `insert into ${target} (${names}) (\n    select ${names}\n    from (\n${sql}\n    ) as model_subq\n)`];
}

/** A foreign key's parent without its database part (DuckDB refuses catalog-qualified targets). */
function referenced(constraint: Constraint, references?: Map<string, string>): string | undefined {
  const to = constraint.to ? (references?.get(constraint.to) ?? constraint.to) : undefined;
  if (!to) return undefined;
  const parts = to.split('.');
  return parts.length > 2 ? parts.slice(1).join('.') : to;
}

/** dbt-adapters' `render_column_constraint` with dbt-duckdb's foreign keys (every type is supported on DuckDB). */
function columnConstraint(k: Constraint, references?: Map<string, string>): string {
  const expression = k.expression ?? '';
  switch (k.type) {
    case 'check':
      return expression ? `check (${expression})` : '';
    case 'not_null':
      return `not null ${expression}`.trim();
    case 'unique':
      return `unique ${expression}`.trim();
    case 'primary_key':
      return `primary key ${expression}`.trim();
    case 'foreign_key': {
      const to = referenced(k, references);
      return to && k.toColumns.length > 0 ? `references ${to} (${k.toColumns.join(', ')})` : expression ? `references ${expression}` : '';
    }
    case 'custom':
      return expression;
  }
}

/** dbt-adapters' `render_model_constraint` with dbt-duckdb's foreign keys. */
function modelConstraint(k: Constraint, references?: Map<string, string>): string | undefined {
  const prefix = k.name ? `constraint ${k.name} ` : '';
  const columns = k.columns.join(', ');
  const expression = k.expression ? ` ${k.expression}` : '';
  switch (k.type) {
    case 'check':
      return k.expression ? `${prefix}check (${k.expression})` : undefined;
    case 'unique':
      return `${prefix}unique${expression} (${columns})`;
    case 'primary_key':
      return `${prefix}primary key${expression} (${columns})`;
    case 'foreign_key': {
      const to = referenced(k, references);
      if (to && k.toColumns.length > 0) return `${prefix}foreign key (${columns}) references ${to} (${k.toColumns.join(', ')})`;
      return k.expression ? `${prefix}foreign key (${columns}) references ${k.expression}` : undefined;
    }
    case 'custom':
      return k.expression ? `${prefix}${k.expression}` : undefined;
    case 'not_null':
      // dbt renders model-level not_null as nothing on DuckDB (no model-level form in the DDL).
      return undefined;
  }
}

function uniqueKeys(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

async function buildIncremental(session: EngineSession, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { relation, node, signal } = request;
  const opts = signal ? { signal } : {};
  const existing = await session.relationInfo(relation);
  if (!existing || existing.type === 'view' || request.fullRefresh || node.config.full_refresh === true) {
    return buildTable(session, dialect, request, `(\n${request.sql}\n)`);
  }
  const temp = q(dialect, `${relation.identifier}__dbt_tmp`);
  await session.execute(`drop table if exists temp.main.${temp}`, opts);
  try {
    await session.execute(`create temp table ${temp} as (\n${request.sql}\n)`, opts);
    const staged = await session.execute(`select column_name, data_type from information_schema.columns where table_catalog = 'temp' and table_name = ${lit(`${relation.identifier}__dbt_tmp`)} order by ordinal_position`, opts);
    const newColumns = staged.rows.map(([n, t]) => ({ name: String(n), type: String(t) }));
    const targetNames = new Set(existing.columns.map((c) => c.name.toLowerCase()));
    const added = newColumns.filter((c) => !targetNames.has(c.name.toLowerCase()));
    const removed = existing.columns.filter((c) => !newColumns.some((n) => n.name.toLowerCase() === c.name.toLowerCase()));
    const policy = String(node.config.on_schema_change ?? 'ignore');
    const statements: string[] = [];
    if (added.length > 0 || removed.length > 0) {
      if (policy === 'fail') {
        throw new EngineError(`The schema of ${node.name} changed (added: ${added.map((c) => c.name).join(', ') || 'none'}; removed: ${removed.map((c) => c.name).join(', ') || 'none'}) and on_schema_change is 'fail'. Run with --full-refresh to rebuild it.`);
      }
      if (policy === 'append_new_columns' || policy === 'sync_all_columns') {
        for (const c of added) statements.push(`alter table ${relation.render()} add column ${q(dialect, c.name)} ${c.type}`);
      }
      if (policy === 'sync_all_columns') for (const c of removed) statements.push(`alter table ${relation.render()} drop column ${q(dialect, c.name)}`);
    }
    const keepAdded = policy === 'append_new_columns' || policy === 'sync_all_columns';
    const columns = newColumns.filter((c) => targetNames.has(c.name.toLowerCase()) || keepAdded).map((c) => q(dialect, c.name));
    const columnList = columns.join(', ');
    const keys = uniqueKeys(node.config.unique_key);
    const strategy = String(node.config.incremental_strategy ?? (keys.length > 0 ? 'delete+insert' : 'append'));
    const target = relation.render();
    const source = `temp.main.${temp}`;
    switch (strategy) {
      case 'append':
        statements.push(`insert into ${target} (${columnList}) select ${columnList} from ${source}`);
        break;
      case 'delete+insert': {
        if (keys.length === 0) throw new EngineError(`${node.name}: incremental_strategy 'delete+insert' needs a unique_key`);
        const keyList = keys.map((k) => q(dialect, k)).join(', ');
        statements.push(`delete from ${target} where (${keyList}) in (select ${keyList} from ${source})`);
        statements.push(`insert into ${target} (${columnList}) select ${columnList} from ${source}`);
        break;
      }
      case 'merge': {
        if (keys.length === 0) throw new EngineError(`${node.name}: incremental_strategy 'merge' needs a unique_key`);
        const on = keys.map((k) => `t.${q(dialect, k)} is not distinct from s.${q(dialect, k)}`).join(' and ');
        const set = columns.filter((c) => !keys.some((k) => q(dialect, k) === c)).map((c) => `${c} = s.${c}`).join(', ');
        statements.push(
          `merge into ${target} as t using ${source} as s on ${on}` +
            (set ? ` when matched then update set ${set}` : '') +
            ` when not matched then insert (${columnList}) values (${columns.map((c) => `s.${c}`).join(', ')})`,
        );
        break;
      }
      case 'insert_overwrite': {
        const partitions = uniqueKeys(node.config.partition_by);
        if (partitions.length === 0) throw new EngineError(`${node.name}: incremental_strategy 'insert_overwrite' needs partition_by`);
        const list = partitions.map((k) => q(dialect, k)).join(', ');
        statements.push(`delete from ${target} where (${list}) in (select distinct ${list} from ${source})`);
        statements.push(`insert into ${target} (${columnList}) select ${columnList} from ${source}`);
        break;
      }
      default:
        throw new EngineError(`${node.name}: unknown incremental_strategy '${strategy}' (append, merge, delete+insert, insert_overwrite)`);
    }
    const rows = await rowCount(session, source, signal);
    await session.transaction(statements, opts);
    return { rowsAffected: rows, message: `incremental (${strategy}), ${rows} rows` };
  } finally {
    await session.execute(`drop table if exists temp.main.${temp}`).catch(() => undefined);
  }
}

/** DuckDB type names for the types seeds and landing yml declare. */
export function duckDbType(type: string): string {
  const t = type.trim().toLowerCase();
  if (t === 'string' || t === 'text') return 'VARCHAR';
  if (t === 'int') return 'INTEGER';
  if (t === 'long') return 'BIGINT';
  return type;
}

/** DuckDB names for the types dbt infers for seed columns. */
const SEED_TYPES: Record<CsvColumnType, string> = { boolean: 'BOOLEAN', bigint: 'BIGINT', double: 'DOUBLE', date: 'DATE', timestamp: 'TIMESTAMP', string: 'VARCHAR' };
/** Rows per insert statement. */
const SEED_BATCH = 500;

/** Seeds: rows from the one CSV reader, inserted into a table built beside the target and swapped in. */
async function buildSeed(session: EngineSession, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { node, relation, projectRoot, signal } = request;
  const opts = signal ? { signal } : {};
  const seed = readSeed(node, projectRoot);
  const types = seedTypes(seed);
  const staging = sibling(dialect, relation, '__medallion_seed');
  await session.execute(`drop table if exists ${staging}`, opts);
  try {
    await session.execute(`create table ${staging} (${seed.names.map((n, i) => `${q(dialect, n)} ${types[i]}`).join(', ')})`, opts);
    for (let start = 0; start < seed.rows.length; start += SEED_BATCH) {
      const chunk = seed.rows.slice(start, start + SEED_BATCH);
      const values = chunk.map((row) => `(${row.map((v, i) => (v === null ? `cast(null as ${types[i]})` : `cast(${lit(v)} as ${types[i]})`)).join(', ')})`);
      await session.execute(`insert into ${staging} values\n${values.join(',\n')}`, opts);
    }
    const built = await buildTable(session, dialect, request, `(select * from ${staging})`);
    return { rowsAffected: built.rowsAffected ?? seed.rows.length, message: `seed loaded, ${seed.rows.length} rows` };
  } finally {
    await session.execute(`drop table if exists ${staging}`).catch(() => undefined);
  }
}

/** The DuckDB types a seed's columns are created with (column_types, else dbt's inference); the column model types seeds the same. */
export function seedTypes(seed: Pick<ReturnType<typeof readSeed>, 'types'>): string[] {
  return seed.types.map((t) => ('declared' in t ? duckDbType(t.declared) : SEED_TYPES[t.inferred]));
}

/** The snapshot's query with dbt's snapshot columns (dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to); the column model binds the same. */
export function snapshotStagingSql(dialect: Dialect, node: ProjectNode, sql: string): string {
  const keys = uniqueKeys(node.config.unique_key);
  if (keys.length === 0) throw new EngineError(`Snapshot ${node.name} needs a unique_key`);
  const strategy = String(node.config.strategy ?? 'timestamp');
  const keyExpr = keys.map((k) => `coalesce(cast(${q(dialect, k)} as varchar), '')`).join(` || '|' || `);
  let updatedAt: string;
  if (strategy === 'timestamp') {
    if (!node.config.updated_at) throw new EngineError(`Snapshot ${node.name} uses the timestamp strategy and needs updated_at`);
    updatedAt = `cast(${q(dialect, String(node.config.updated_at))} as timestamp)`;
  } else if (strategy === 'check') {
    updatedAt = 'cast(now() as timestamp)';
  } else {
    throw new EngineError(`Snapshot ${node.name}: unknown strategy '${strategy}' (timestamp, check)`);
  }
  return `select *, md5(${keyExpr} || '|' || coalesce(cast(${updatedAt} as varchar), '')) as dbt_scd_id, ${updatedAt} as dbt_updated_at, ${updatedAt} as dbt_valid_from, cast(null as timestamp) as dbt_valid_to from (\n${sql}\n) as snapshot_query`;
}

/**
 * dbt snapshots: timestamp or check strategy, dbt_scd_id / dbt_updated_at / dbt_valid_from /
 * dbt_valid_to, changed rows closed and new versions inserted, hard deletes optionally invalidated.
 */
async function buildSnapshot(session: EngineSession, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { node, relation, signal } = request;
  const opts = signal ? { signal } : {};
  const keys = uniqueKeys(node.config.unique_key);
  const strategy = String(node.config.strategy ?? 'timestamp');
  const now = 'cast(now() as timestamp)';
  const staged = snapshotStagingSql(dialect, node, request.sql);
  const existing = await session.relationInfo(relation);
  if (!existing || request.fullRefresh) return buildTable(session, dialect, request, `(${staged})`);

  const temp = q(dialect, `${relation.identifier}__dbt_snapshot_staged`);
  const source = `temp.main.${temp}`;
  await session.execute(`drop table if exists ${source}`, opts);
  try {
    await session.execute(`create temp table ${temp} as (${staged})`, opts);
    const stagedCols = await session.execute(`select column_name from information_schema.columns where table_catalog = 'temp' and table_name = ${lit(`${relation.identifier}__dbt_snapshot_staged`)} order by ordinal_position`, opts);
    const sourceColumns = stagedCols.rows.map(([n]) => String(n)).filter((c) => !c.startsWith('dbt_'));
    const target = relation.render();
    const match = keys.map((k) => `t.${q(dialect, k)} = s.${q(dialect, k)}`).join(' and ');
    let changed: string;
    if (strategy === 'timestamp') {
      changed = `s.dbt_updated_at > t.dbt_updated_at`;
    } else {
      const checkCols = node.config.check_cols === 'all' || node.config.check_cols === undefined ? sourceColumns : uniqueKeys(node.config.check_cols);
      changed = checkCols.map((c) => `t.${q(dialect, c)} is distinct from s.${q(dialect, c)}`).join(' or ') || 'false';
    }
    const statements: string[] = [];
    // New source columns join the snapshot table.
    const targetCols = new Set(existing.columns.map((c) => c.name.toLowerCase()));
    for (const c of sourceColumns) if (!targetCols.has(c.toLowerCase())) statements.push(`alter table ${target} add column ${q(dialect, c)} varchar`);
    statements.push(`update ${target} as t set dbt_valid_to = s.dbt_updated_at from ${source} as s where ${match} and t.dbt_valid_to is null and (${changed})`);
    const cols = [...sourceColumns.map((c) => q(dialect, c)), 'dbt_scd_id', 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to'].join(', ');
    statements.push(`insert into ${target} (${cols}) select ${cols} from ${source} as s where not exists (select 1 from ${target} as t where ${match} and t.dbt_valid_to is null)`);
    const hardDeletes = String(node.config.hard_deletes ?? (node.config.invalidate_hard_deletes === true ? 'invalidate' : 'ignore'));
    if (hardDeletes === 'invalidate') {
      statements.push(`update ${target} as t set dbt_valid_to = ${now} where t.dbt_valid_to is null and not exists (select 1 from ${source} as s where ${match})`);
    }
    const before = await rowCount(session, target, signal);
    await session.transaction(statements, opts);
    const after = await rowCount(session, target, signal);
    return { rowsAffected: after - before, message: `snapshot, ${after - before} new versions` };
  } finally {
    await session.execute(`drop table if exists ${source}`).catch(() => undefined);
  }
}
