/**
 * Materializations as dbt-databricks emits them, on Delta: `create or replace table ... using delta
 * as`, `create or replace view`, incrementals staged in a temporary view and applied with one
 * `merge`/`insert` statement (each a single atomic Delta commit), seeds loaded into a staging table
 * with `?` parameter markers and swapped in with one statement, snapshots merged on dbt_scd_id.
 * Identifiers are always quoted; values from files travel as parameters, never as SQL text.
 */
import { createHash } from 'node:crypto';
import type { Dialect, Relation } from '../../core/compiler';
import { dialectFor } from '../../core/compiler';
import { contractColumnNames, type Constraint, type Contract } from '../../core/contracts';
import type { ProjectNode } from '../../core/model';
import { EngineError, LANDING_FILE, materializationOf, type Column, type EngineSession, type ExecuteOptions, type LandingFiles, type LandingLoad, type MaterializeRequest, type MaterializeResult, type QueryResult } from '../engine';
import { readSeed } from '../seed';
import type { DatabricksSettings } from './settings';

const databricksDialect = dialectFor('databricks')!;

/** What this engine's sessions add to the common interface. */
export interface DatabricksSessionApi extends EngineSession {
  executeWithParameters(sql: string, parameters: unknown[], options?: ExecuteOptions): Promise<QueryResult>;
  describeColumns(renderedRelation: string): Promise<Column[]>;
}

const sqlString = (value: string): string => databricksDialect.stringLiteral(value);

export async function materialize(session: EngineSession, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { node } = request;
  const kind = materializationOf(node);
  const api = session as DatabricksSessionApi;
  switch (kind) {
    case 'view':
      return buildView(api, dialect, request);
    case 'table':
      return buildTable(api, dialect, request, request.sql);
    case 'incremental':
      return buildIncremental(api, dialect, request);
    case 'ephemeral':
      return { message: 'ephemeral (inlined where used)' };
    case 'seed':
      return buildSeed(api, dialect, request);
    case 'snapshot':
      return buildSnapshot(api, dialect, request);
    default:
      throw new EngineError(`Materialization '${kind}' of ${node.name} is not supported on Databricks (view, table, incremental, ephemeral, seed, snapshot are)`);
  }
}

const options = (request: MaterializeRequest): ExecuteOptions => ({ ...(request.signal ? { signal: request.signal } : {}), tag: request.node.uniqueId });

function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** `comment`, `tblproperties` and the layout clauses of a table, from the node's config and yml. */
export function tableClauses(dialect: Dialect, node: ProjectNode): string {
  const q = dialect.quoteIdentifier;
  const parts: string[] = [];
  const format = String(node.config.file_format ?? 'delta');
  parts.push(`using ${format}`);
  const partitions = list(node.config.partition_by);
  if (partitions.length > 0) parts.push(`partitioned by (${partitions.map(q).join(', ')})`);
  const clusters = list(node.config.liquid_clustered_by ?? node.config.cluster_by);
  if (clusters.length > 0) parts.push(`cluster by (${clusters.map(q).join(', ')})`);
  const comment = relationComment(node);
  if (comment) parts.push(`comment ${sqlString(comment)}`);
  const properties = propertiesClause(node);
  if (properties) parts.push(properties);
  return parts.join('\n');
}

function propertiesClause(node: ProjectNode): string | undefined {
  const properties = node.config.tblproperties;
  if (!properties || typeof properties !== 'object' || Object.keys(properties).length === 0) return undefined;
  return `tblproperties (${Object.entries(properties as Record<string, unknown>).map(([k, v]) => `${sqlString(k)} = ${sqlString(String(v))}`).join(', ')})`;
}

function persistDocs(node: ProjectNode): { relation: boolean; columns: boolean } {
  const docs = node.config.persist_docs as { relation?: unknown; columns?: unknown } | undefined;
  return { relation: docs?.relation === true, columns: docs?.columns === true };
}

function relationComment(node: ProjectNode): string | undefined {
  return persistDocs(node).relation && node.description ? node.description : undefined;
}

/** `alter column ... comment` for every documented column (persist_docs.columns), after a build. */
async function commentColumns(session: DatabricksSessionApi, dialect: Dialect, request: MaterializeRequest): Promise<void> {
  const { node, relation } = request;
  if (!persistDocs(node).columns) return;
  const existing = new Set((await session.describeColumns(relation.render())).map((c) => c.name.toLowerCase()));
  for (const column of node.columns) {
    if (!column.description || !existing.has(column.name.toLowerCase())) continue;
    await session.execute(`alter table ${relation.render()} alter column ${dialect.quoteIdentifier(column.name)} comment ${sqlString(column.description)}`, options(request));
  }
}

async function rowCount(session: EngineSession, relation: string, request: MaterializeRequest): Promise<number> {
  const r = await session.execute(`select count(*) from ${relation}`, options(request));
  return Number(r.rows[0]![0]);
}

async function buildView(session: DatabricksSessionApi, _dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { relation, node } = request;
  const existing = await session.relationInfo(relation, { columns: false });
  // Replacing a table by a view is not one statement anywhere: drop it first (as dbt does).
  if (existing?.type === 'table') await session.execute(`drop table if exists ${relation.render()}`, options(request));
  const comment = relationComment(node);
  const properties = propertiesClause(node);
  await session.execute(`create or replace view ${relation.render()}${comment ? `\ncomment ${sqlString(comment)}` : ''}${properties ? `\n${properties}` : ''}\nas\n${request.sql}`, options(request));
  return { message: 'view created' };
}

/** `create or replace table ... using delta as`: one atomic Delta commit; readers never see it half-built. */
async function buildTable(session: DatabricksSessionApi, dialect: Dialect, request: MaterializeRequest, selectSql: string): Promise<MaterializeResult> {
  const { relation, node } = request;
  const existing = await session.relationInfo(relation, { columns: false });
  if (existing?.type === 'view') await session.execute(`drop view if exists ${relation.render()}`, options(request));
  const contract = request.contract;
  if (contract) {
    // dbt-databricks: the contract's columns selected by name; constraints altered in after the
    // replace. Delta refuses a not_null or check constraint the new rows break only once the table
    // is already replaced, so those are checked on the query first: a violation leaves the table as it was.
    selectSql = `select ${contractColumnNames(contract, dialect.quoteIdentifier).join(', ')}\nfrom (\n${request.sql}\n) as model_subq`;
    await checkEnforcedConstraints(session, dialect, contract, selectSql, request);
  }
  await session.execute(`create or replace table ${relation.render()}\n${tableClauses(dialect, node)}\nas\n${selectSql}`, options(request));
  if (contract) for (const sql of constraintStatements(dialect, contract, relation, request.references)) await session.execute(sql, options(request));
  await commentColumns(session, dialect, request);
  const rows = await rowCount(session, relation.render(), request);
  return { rowsAffected: rows, message: `table built, ${rows} rows` };
}

/** Rows of the new table that would break its not_null or check constraints: counted before anything is replaced. */
async function checkEnforcedConstraints(session: DatabricksSessionApi, dialect: Dialect, contract: Contract, selectSql: string, request: MaterializeRequest): Promise<void> {
  const q = dialect.quoteIdentifier;
  const checks: Array<{ what: string; violated: string }> = [];
  const notNull = new Set([...contract.columns.filter((c) => c.constraints.some((k) => k.type === 'not_null')).map((c) => c.name), ...contract.constraints.filter((k) => k.type === 'not_null').flatMap((k) => k.columns)]);
  for (const column of notNull) checks.push({ what: `NOT NULL constraint on ${column}`, violated: `${q(column)} is null` });
  for (const k of [...contract.columns.flatMap((c) => c.constraints), ...contract.constraints]) {
    if (k.type === 'check' && k.expression) checks.push({ what: `CHECK constraint ${k.name ?? ''} (${k.expression})`.replace('  ', ' '), violated: `not coalesce((${k.expression}), true)` });
  }
  if (checks.length === 0) return;
  const counts = await session.execute(`select ${checks.map((c, i) => `sum(case when ${c.violated} then 1 else 0 end) as v${i}`).join(', ')}\nfrom (\n${selectSql}\n) as contract_rows`, options(request));
  const broken = checks.map((c, i) => ({ ...c, rows: Number(counts.rows[0]?.[i] ?? 0) })).filter((c) => c.rows > 0);
  if (broken.length > 0) {
    throw new EngineError(`Constraint violated in ${request.node.name} (the table was not replaced): ${broken.map((c) => `${c.what}: ${c.rows} row${c.rows === 1 ? '' : 's'}`).join('; ')}`);
  }
}

/**
 * dbt-databricks' `persist_constraints` for a contracted table: `change column ... set not null`
 * first, then `add constraint` for checks, primary and foreign keys and custom constraints (names
 * as dbt-databricks makes them when yml gives none); unique constraints are not supported there.
 */
export function constraintStatements(dialect: Dialect, contract: Contract, relation: Relation, references?: Map<string, string>): string[] {
  const q = dialect.quoteIdentifier;
  const target = relation.render();
  const known = new Set(contract.columns.map((c) => c.name));
  const statements: string[] = [];
  const forConstraints = (constraints: Constraint[], column?: string): void => {
    const ordered = [...constraints.filter((k) => k.type === 'not_null'), ...constraints.filter((k) => k.type !== 'not_null')];
    for (const k of ordered) {
      const columns = k.columns.length > 0 ? k.columns : column !== undefined ? [column] : [];
      switch (k.type) {
        case 'not_null':
          for (const name of columns) if (known.has(name)) statements.push(`alter table ${target} change column ${q(name)} set not null ${k.expression ?? ''}`.trimEnd());
          break;
        case 'check': {
          const name = k.name ?? md5(`${relation.identifier};${column ?? ''};${k.expression};`);
          statements.push(`alter table ${target} add constraint ${name} check (${k.expression})`);
          break;
        }
        case 'primary_key': {
          const name = k.name ?? md5(`primary_key;${relation.identifier};${pyList(columns)};${k.expression ? `${k.expression};` : ''}`);
          statements.push(`alter table ${target} add constraint ${name} primary key(${columns.filter((c) => known.has(c)).map(q).join(', ')})${k.expression ? ` ${k.expression}` : ''}`);
          break;
        }
        case 'foreign_key': {
          if (k.expression) {
            const name = k.name ?? md5(`foreign_key;${relation.identifier};${pyList(columns)};${k.expression};`);
            statements.push(`alter table ${target} add constraint ${name} foreign key${k.expression}`);
            break;
          }
          if (!k.to) break;
          const parent = references?.get(k.to) ?? (k.to.includes('.') ? k.to : dialect.renderRelation(relation.database, relation.schema, k.to));
          const name = k.name ?? md5(`foreign_key;${relation.identifier};${pyList(columns)};${k.to};${k.toColumns.length > 0 ? `${pyList(k.toColumns)};` : ''}`);
          statements.push(`alter table ${target} add constraint ${name} foreign key(${columns.filter((c) => known.has(c)).map(q).join(', ')}) references ${parent}${k.toColumns.length > 0 ? `(${k.toColumns.map(q).join(', ')})` : ''}`);
          break;
        }
        case 'custom':
          if (k.expression) statements.push(`alter table ${target} add constraint ${k.name ?? md5(`${relation.identifier};${k.expression};`)} ${k.expression}`);
          break;
        case 'unique':
          // Not supported on Databricks: dbt-databricks warns and skips it.
          break;
      }
    }
  };
  for (const column of contract.columns) forConstraints(column.constraints, column.name);
  forConstraints(contract.constraints);
  return statements;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** Python's repr of a list of strings (dbt-databricks hashes it into constraint names). */
function pyList(values: string[]): string {
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

async function buildIncremental(session: DatabricksSessionApi, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { relation, node } = request;
  const q = dialect.quoteIdentifier;
  const existing = await session.relationInfo(relation);
  if (!existing || existing.type === 'view' || request.fullRefresh || node.config.full_refresh === true) {
    return buildTable(session, dialect, request, request.sql);
  }
  const temp = q(`${relation.identifier}__dbt_tmp`);
  await session.execute(`create or replace temporary view ${temp} as\n${request.sql}`, options(request));
  try {
    const newColumns = await session.describeColumns(temp);
    const targetNames = new Set(existing.columns.map((c) => c.name.toLowerCase()));
    const added = newColumns.filter((c) => !targetNames.has(c.name.toLowerCase()));
    const removed = existing.columns.filter((c) => !newColumns.some((n) => n.name.toLowerCase() === c.name.toLowerCase()));
    const policy = String(node.config.on_schema_change ?? 'ignore');
    const target = relation.render();
    if (added.length > 0 || removed.length > 0) {
      if (policy === 'fail') {
        throw new EngineError(`The schema of ${node.name} changed (added: ${added.map((c) => c.name).join(', ') || 'none'}; removed: ${removed.map((c) => c.name).join(', ') || 'none'}) and on_schema_change is 'fail'. Run with --full-refresh to rebuild it.`);
      }
      if ((policy === 'append_new_columns' || policy === 'sync_all_columns') && added.length > 0) {
        await session.execute(`alter table ${target} add columns (${added.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`, options(request));
      }
      // Dropping columns on Delta needs column mapping ('delta.columnMapping.mode' = 'name'); the warehouse says so if missing.
      if (policy === 'sync_all_columns' && removed.length > 0) await session.execute(`alter table ${target} drop columns (${removed.map((c) => q(c.name)).join(', ')})`, options(request));
    }
    const keepAdded = policy === 'append_new_columns' || policy === 'sync_all_columns';
    const columns = newColumns.filter((c) => targetNames.has(c.name.toLowerCase()) || keepAdded).map((c) => q(c.name));
    const statement = incrementalStatement(dialect, node, target, temp, columns);
    const rows = await rowCount(session, temp, request);
    for (const sql of statement.before) await session.execute(sql, options(request));
    await session.execute(statement.sql, options(request));
    await commentColumns(session, dialect, request);
    return { rowsAffected: rows, message: `incremental (${statement.strategy}), ${rows} rows` };
  } finally {
    await session.execute(`drop view if exists ${temp}`).catch(() => undefined);
  }
}

/** The one statement that applies an incremental's new rows (plus session settings it needs). */
export function incrementalStatement(dialect: Dialect, node: ProjectNode, target: string, source: string, columns: string[]): { strategy: string; before: string[]; sql: string } {
  const q = dialect.quoteIdentifier;
  const keys = list(node.config.unique_key);
  // dbt-databricks' default strategy is merge.
  const strategy = String(node.config.incremental_strategy ?? 'merge');
  const predicates = list(node.config.incremental_predicates);
  const columnList = columns.join(', ');
  switch (strategy) {
    case 'append':
      return { strategy, before: [], sql: `insert into ${target} (${columnList})\nselect ${columnList} from ${source}` };
    case 'merge': {
      // `<=>` is null-safe equality: rows whose key is null still match themselves.
      const on = [...(keys.length > 0 ? keys.map((k) => `DBT_INTERNAL_SOURCE.${q(k)} <=> DBT_INTERNAL_DEST.${q(k)}`) : ['false']), ...predicates].join('\n    and ');
      const set = columns.filter((c) => !keys.some((k) => q(k) === c)).map((c) => `${c} = DBT_INTERNAL_SOURCE.${c}`);
      return {
        strategy,
        before: [],
        sql:
          `merge into ${target} as DBT_INTERNAL_DEST\nusing ${source} as DBT_INTERNAL_SOURCE\non ${on}\n` +
          (set.length > 0 && keys.length > 0 ? `when matched then update set\n    ${set.join(',\n    ')}\n` : '') +
          `when not matched then insert (${columnList})\nvalues (${columns.map((c) => `DBT_INTERNAL_SOURCE.${c}`).join(', ')})`,
      };
    }
    case 'delete+insert': {
      if (keys.length === 0) throw new EngineError(`${node.name}: incremental_strategy 'delete+insert' needs a unique_key`);
      // One statement keeps it atomic on Delta: replace the matching rows in a single merge.
      const on = keys.map((k) => `DBT_INTERNAL_SOURCE.${q(k)} <=> DBT_INTERNAL_DEST.${q(k)}`).join(' and ');
      return {
        strategy,
        before: [],
        sql: `merge into ${target} as DBT_INTERNAL_DEST\nusing ${source} as DBT_INTERNAL_SOURCE\non ${on}\nwhen matched then update set\n    ${columns.map((c) => `${c} = DBT_INTERNAL_SOURCE.${c}`).join(',\n    ')}\nwhen not matched then insert (${columnList})\nvalues (${columns.map((c) => `DBT_INTERNAL_SOURCE.${c}`).join(', ')})`,
      };
    }
    case 'insert_overwrite': {
      const partitions = list(node.config.partition_by);
      // Only the partitions present in the new rows are replaced (dynamic partition overwrite).
      const before = partitions.length > 0 ? ['set spark.sql.sources.partitionOverwriteMode = DYNAMIC'] : [];
      return { strategy, before, sql: `insert overwrite table ${target}${partitions.length ? ` partition (${partitions.map(q).join(', ')})` : ''}\nselect ${columnList} from ${source}` };
    }
    case 'replace_where': {
      if (predicates.length === 0) throw new EngineError(`${node.name}: incremental_strategy 'replace_where' needs incremental_predicates`);
      return { strategy, before: [], sql: `insert into ${target}\nreplace where ${predicates.join(' and ')}\nselect ${columnList} from ${source}` };
    }
    default:
      throw new EngineError(`${node.name}: unknown incremental_strategy '${strategy}' (merge, append, delete+insert, insert_overwrite, replace_where)`);
  }
}

/** Spark/Databricks names for the types seeds may declare in column_types. */
function seedType(type: string): string {
  const t = type.trim().toLowerCase();
  if (t === 'text' || t === 'varchar') return 'string';
  if (t === 'integer') return 'int';
  return type;
}

/** Rows per insert: Databricks caps parameter markers per statement; stay well under the cap. */
const MAX_PARAMETERS = 256;

/** The Databricks types a seed's columns are created with (column_types, else dbt's inference); the column model types seeds the same. */
export function seedTypes(seed: Pick<ReturnType<typeof readSeed>, 'types'>): string[] {
  return seed.types.map((t) => ('declared' in t ? seedType(t.declared) : t.inferred));
}

async function buildSeed(session: DatabricksSessionApi, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { node, relation, projectRoot } = request;
  const q = dialect.quoteIdentifier;
  const seed = readSeed(node, projectRoot);
  const { names, rows } = seed;
  const types = seedTypes(seed);
  // Loaded beside the target, then swapped in with one statement: the seed is never seen half-loaded.
  const staging = dialect.renderRelation(relation.database, relation.schema, `${relation.identifier}__medallion_seed`);
  await session.execute(`create or replace table ${staging} (${names.map((n, i) => `${q(n)} ${types[i]}`).join(', ')}) using delta`, options(request));
  try {
    const perRow = names.length;
    const batch = Math.max(1, Math.floor(MAX_PARAMETERS / perRow));
    const tuple = `(${types.map((t) => `cast(? as ${t})`).join(', ')})`;
    for (let start = 0; start < rows.length; start += batch) {
      const chunk = rows.slice(start, start + batch);
      await session.executeWithParameters(`insert into ${staging} values\n${chunk.map(() => tuple).join(',\n')}`, chunk.flat(), options(request));
    }
    const swapped = await buildTable(session, dialect, request, `select * from ${staging}`);
    return { rowsAffected: rows.length, message: `seed loaded, ${rows.length} rows${swapped.rowsAffected !== rows.length ? ` (table holds ${swapped.rowsAffected})` : ''}` };
  } finally {
    await session.execute(`drop table if exists ${staging}`).catch(() => undefined);
  }
}

/**
 * dbt snapshots on Delta: rows to insert, close and (optionally) invalidate are staged in a temporary
 * view and applied with one `merge` on dbt_scd_id, as dbt-databricks does.
 */
/** A snapshot's `updated_at` expression for its strategy. */
function snapshotUpdatedAt(dialect: Dialect, node: ProjectNode): string {
  const strategy = String(node.config.strategy ?? 'timestamp');
  if (strategy === 'timestamp') {
    if (!node.config.updated_at) throw new EngineError(`Snapshot ${node.name} uses the timestamp strategy and needs updated_at`);
    return `cast(${dialect.quoteIdentifier(String(node.config.updated_at))} as timestamp)`;
  }
  if (strategy === 'check') return 'current_timestamp()';
  throw new EngineError(`Snapshot ${node.name}: unknown strategy '${strategy}' (timestamp, check)`);
}

function snapshotScdId(dialect: Dialect, keys: string[], updatedAt: string): string {
  return `md5(concat_ws('|', ${keys.map((k) => `coalesce(cast(${dialect.quoteIdentifier(k)} as string), '')`).join(', ')}, coalesce(cast(${updatedAt} as string), '')))`;
}

/** The snapshot's query with dbt's snapshot columns, as its first build selects it (the column model describes the same). */
export function snapshotStagingSql(dialect: Dialect, node: ProjectNode, sql: string): string {
  const keys = list(node.config.unique_key);
  if (keys.length === 0) throw new EngineError(`Snapshot ${node.name} needs a unique_key`);
  const updatedAt = snapshotUpdatedAt(dialect, node);
  return `select *,\n    ${snapshotScdId(dialect, keys, updatedAt)} as dbt_scd_id,\n    ${updatedAt} as dbt_updated_at,\n    ${updatedAt} as dbt_valid_from,\n    cast(null as timestamp) as dbt_valid_to\nfrom (\n${sql}\n) as snapshot_query`;
}

async function buildSnapshot(session: DatabricksSessionApi, dialect: Dialect, request: MaterializeRequest): Promise<MaterializeResult> {
  const { node, relation } = request;
  const q = dialect.quoteIdentifier;
  const keys = list(node.config.unique_key);
  const first = snapshotStagingSql(dialect, node, request.sql);
  const strategy = String(node.config.strategy ?? 'timestamp');
  const updatedAt = snapshotUpdatedAt(dialect, node);
  const scdId = snapshotScdId(dialect, keys, updatedAt);
  const uniqueKey = keys.length === 1 ? q(keys[0]!) : `concat_ws('|', ${keys.map((k) => `coalesce(cast(${q(k)} as string), '')`).join(', ')})`;
  const existing = await session.relationInfo(relation);
  if (!existing || request.fullRefresh) return buildTable(session, dialect, request, first);
  const sourceView = q(`${relation.identifier}__dbt_snapshot_source`);
  const staging = q(`${relation.identifier}__dbt_tmp`);
  await session.execute(`create or replace temporary view ${sourceView} as\n${request.sql}`, options(request));
  try {
    const described = await session.describeColumns(sourceView);
    const sourceColumns = described.map((c) => c.name);
    const target = relation.render();
    const targetColumns = new Set(existing.columns.map((c) => c.name.toLowerCase()));
    const added = described.filter((c) => !targetColumns.has(c.name.toLowerCase()));
    if (added.length > 0) await session.execute(`alter table ${target} add columns (${added.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`, options(request));
    const checkCols = node.config.check_cols === 'all' || node.config.check_cols === undefined ? sourceColumns : list(node.config.check_cols);
    const changed =
      strategy === 'timestamp'
        ? `snapshotted_data.dbt_valid_from < source_data.dbt_updated_at`
        : checkCols.map((c) => `not (snapshotted_data.${q(c)} <=> source_data.${q(c)})`).join(' or ') || 'false';
    const cols = sourceColumns.map(q);
    const sourceCols = cols.map((c) => `source_data.${c}`).join(', ');
    const hardDeletes = String(node.config.hard_deletes ?? (node.config.invalidate_hard_deletes === true ? 'invalidate' : 'ignore'));
    const staged = [
      `with snapshotted_data as (\n    select *, ${uniqueKey} as dbt_unique_key from ${target} where dbt_valid_to is null\n)`,
      `source_data as (\n    select *, ${uniqueKey} as dbt_unique_key, ${updatedAt} as dbt_updated_at, ${scdId} as dbt_scd_id from ${sourceView}\n)`,
      `insertions as (\n    select 'insert' as dbt_change_type, ${sourceCols}, source_data.dbt_updated_at, source_data.dbt_updated_at as dbt_valid_from, cast(null as timestamp) as dbt_valid_to, source_data.dbt_scd_id\n    from source_data left join snapshotted_data on snapshotted_data.dbt_unique_key = source_data.dbt_unique_key\n    where snapshotted_data.dbt_unique_key is null or (${changed})\n)`,
      `updates as (\n    select 'update' as dbt_change_type, ${sourceCols}, source_data.dbt_updated_at, source_data.dbt_updated_at as dbt_valid_from, source_data.dbt_updated_at as dbt_valid_to, snapshotted_data.dbt_scd_id\n    from source_data join snapshotted_data on snapshotted_data.dbt_unique_key = source_data.dbt_unique_key\n    where ${changed}\n)`,
    ];
    const branches = ['select * from insertions', 'select * from updates'];
    if (hardDeletes === 'invalidate') {
      staged.push(
        `deletes as (\n    select 'delete' as dbt_change_type, ${cols.map((c) => `snapshotted_data.${c}`).join(', ')}, current_timestamp() as dbt_updated_at, current_timestamp() as dbt_valid_from, current_timestamp() as dbt_valid_to, snapshotted_data.dbt_scd_id\n    from snapshotted_data left join source_data on snapshotted_data.dbt_unique_key = source_data.dbt_unique_key\n    where source_data.dbt_unique_key is null\n)`,
      );
      branches.push('select * from deletes');
    }
    await session.execute(`create or replace temporary view ${staging} as\n${staged.join(',\n')}\n${branches.join('\nunion all\n')}`, options(request));
    const insertCols = [...cols, 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to', 'dbt_scd_id'].map((c) => (c.startsWith('`') ? c : q(c)));
    const before = await rowCount(session, target, request);
    await session.execute(
      `merge into ${target} as DBT_INTERNAL_DEST\nusing ${staging} as DBT_INTERNAL_SOURCE\non DBT_INTERNAL_SOURCE.dbt_scd_id = DBT_INTERNAL_DEST.dbt_scd_id\n` +
        `when matched and DBT_INTERNAL_DEST.dbt_valid_to is null and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete')\n    then update set dbt_valid_to = DBT_INTERNAL_SOURCE.dbt_valid_to\n` +
        `when not matched and DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'\n    then insert (${insertCols.join(', ')})\n    values (${insertCols.map((c) => `DBT_INTERNAL_SOURCE.${c}`).join(', ')})`,
      options(request),
    );
    const after = await rowCount(session, target, request);
    return { rowsAffected: after - before, message: `snapshot, ${after - before} new versions` };
  } finally {
    await session.execute(`drop view if exists ${staging}`).catch(() => undefined);
    await session.execute(`drop view if exists ${sourceView}`).catch(() => undefined);
  }
}

/**
 * The statements that make a landing table readable. Databricks: a view over `read_files(...)`
 * (schema hints from the yml's data types, failing fast on malformed rows), or with
 * `meta.landing.ingest: copy_into`, a Delta table loaded by `COPY INTO` (files already loaded are
 * skipped, so reruns are idempotent). `landing_reader: spark_csv`: Spark's CSV data source as an
 * external table over the folder, with a view casting the declared types. `on_bad_rows: reject`
 * (read_files only): PERMISSIVE with Databricks' rescued data column; rows with rescued data are
 * left out of the view and shown by `<table>__rejects`.
 */
export async function landingStatements(session: EngineSession, dialect: Dialect, settings: DatabricksSettings, relation: Relation, files: LandingFiles, signal?: AbortSignal): Promise<{ statements: string[]; load: LandingLoad }> {
  const q = dialect.quoteIdentifier;
  const target = relation.render();
  const location = sqlString(files.pattern);
  if (settings.landingReader === 'read_files' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(files.pattern)) {
    throw new EngineError(`Landing table ${relation.identifier} is in a local folder (${files.pattern}); a Databricks warehouse reads the landing zone from cloud storage: set MEDALLION_LANDING_S3 (or the source's meta.landing.location) to s3://bucket/prefix`);
  }
  const rejecting = files.onBadRows === 'reject';
  if (rejecting && (settings.landingReader !== 'read_files' || files.ingest === 'copy_into')) {
    throw new EngineError(`Landing table ${relation.identifier}: on_bad_rows 'reject' needs Databricks' read_files view (landing_reader read_files, ingest view); this landing fails on the first bad row instead`);
  }
  if (files.ingest === 'copy_into') {
    if (settings.landingReader !== 'read_files') throw new EngineError(`Landing table ${relation.identifier}: COPY INTO needs Databricks (landing_reader is ${settings.landingReader})`);
    return { statements: copyIntoStatements(dialect, relation, files), load: {} };
  }
  if (files.ingest !== undefined && files.ingest !== 'view') throw new EngineError(`Landing table ${relation.identifier}: ingest '${files.ingest}' is not supported (view, copy_into)`);
  if (settings.landingReader === 'read_files') {
    if (!rejecting) return { statements: [readFilesViewSql(dialect, relation, files)], load: {} };
    const rejects = dialect.renderRelation(relation.database, relation.schema, `${relation.identifier}__rejects`);
    return { statements: readFilesRejectingSql(dialect, relation, files), load: { rejectsRelation: rejects } };
  }
  // Spark: the header names the columns (all strings); the view applies the yml's types.
  const filesTable = dialect.renderRelation(relation.database, relation.schema, `${relation.identifier}__landing_files`);
  const api = session as DatabricksSessionApi;
  const run = (sql: string): Promise<QueryResult> => session.execute(sql, { ...(signal ? { signal } : {}), tag: relation.identifier });
  // Dropping an external table never touches its files.
  await run(`drop table if exists ${filesTable}`);
  await run(`create table ${filesTable}\nusing ${files.format}\noptions (${files.format === 'csv' ? "header 'true', multiLine 'true', escape '\"', mode 'FAILFAST', " : ''}path ${location})`);
  const columns = await api.describeColumns(filesTable);
  const declared = new Map(files.types.map((c) => [c.name.toLowerCase(), c.type]));
  const select = columns.map((c) => {
    const type = declared.get(c.name.toLowerCase());
    return type ? `cast(${q(c.name)} as ${type}) as ${q(c.name)}` : q(c.name);
  });
  // The file each row came from, as on the other engines (Spark's hidden file metadata column).
  select.push(`_metadata.file_name as ${LANDING_FILE}`);
  return { statements: [`create or replace view ${target} as\nselect ${select.join(', ')}\nfrom ${filesTable}`], load: {} };
}

/** `read_files(...)` as Databricks documents it: the location, then named options with `=>`, schema hints as DDL text. */
function readFilesCall(dialect: Dialect, files: LandingFiles, mode: 'FAILFAST' | 'PERMISSIVE'): string {
  const args = [sqlString(files.pattern), `format => ${sqlString(files.format)}`];
  // RFC 4180 CSV: quotes escaped by doubling, quoted fields may span lines (Spark's defaults differ).
  if (files.format === 'csv') args.push('header => true', 'multiLine => true', `escape => '"'`);
  args.push(`mode => '${mode}'`);
  if (mode === 'PERMISSIVE') args.push(`rescuedDataColumn => '_rescued_data'`);
  if (files.types.length > 0) args.push(`schemaHints => ${sqlString(files.types.map((c) => `${dialect.quoteIdentifier(c.name)} ${c.type}`).join(', '))}`);
  return `read_files(\n    ${args.join(',\n    ')}\n)`;
}

/** The landing view: any malformed row fails the query that reads it (FAILFAST). */
export function readFilesViewSql(dialect: Dialect, relation: Relation, files: LandingFiles): string {
  return `create or replace view ${relation.render()} as\nselect *, _metadata.file_name as ${LANDING_FILE} from ${readFilesCall(dialect, files, 'FAILFAST')}`;
}

/** on_bad_rows: reject — the view keeps rows with nothing rescued; `__rejects` shows the others with their file. */
export function readFilesRejectingSql(dialect: Dialect, relation: Relation, files: LandingFiles): string[] {
  const rejects = dialect.renderRelation(relation.database, relation.schema, `${relation.identifier}__rejects`);
  const call = readFilesCall(dialect, files, 'PERMISSIVE');
  return [
    `create or replace view ${relation.render()} as\nselect * except (_rescued_data), _metadata.file_name as ${LANDING_FILE} from ${call}\nwhere _rescued_data is null`,
    `create or replace view ${rejects} as\nselect _metadata.file_path as file, _rescued_data as error, * except (_rescued_data) from ${call}\nwhere _rescued_data is not null`,
  ];
}

/** `COPY INTO` as Databricks documents it: an empty Delta table, then only files not loaded before; a malformed row fails the load. */
export function copyIntoStatements(dialect: Dialect, relation: Relation, files: LandingFiles): string[] {
  const format = files.format.toUpperCase();
  const formatOptions = files.format === 'csv' ? `format_options ('header' = 'true', 'multiLine' = 'true', 'escape' = '"', 'mode' = 'FAILFAST', 'inferSchema' = 'true', 'mergeSchema' = 'true')` : `format_options ('mode' = 'FAILFAST', 'mergeSchema' = 'true')`;
  const columns = files.types.map((c) => `${dialect.quoteIdentifier(c.name)} ${c.type}`);
  return [
    `create table if not exists ${relation.render()}${columns.length ? ` (${columns.join(', ')})` : ''}`,
    `copy into ${relation.render()}\nfrom ${sqlString(files.pattern)}\nfileformat = ${format}\n${formatOptions}\ncopy_options ('mergeSchema' = 'true')`,
  ];
}
