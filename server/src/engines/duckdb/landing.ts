/**
 * Landing CSV files loaded into a DuckDB table with a strict reader: the dialect is fixed (RFC 4180,
 * comma, header row) and the columns come from each file's header with the yml's declared types,
 * so nothing is sniffed and a malformed row can never turn a file into one column. DuckDB's rejects
 * tables say which file, line and column each bad row has: with `on_bad_rows: fail` any bad row
 * rolls the load back (the table keeps its previous load) and the error names the first ones; with
 * `reject` the valid rows load and the bad ones go to `<table>__rejects`. Every row carries the
 * name of its file in `_landing_file`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Dialect, Relation } from '../../core/compiler';
import { readCsv } from '../../core/csv';
import { EngineError, LANDING_FILE, type EngineSession, type LandingFiles, type LandingLoad } from '../engine';
import { duckDbType } from './materializations';

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** The file name without its folder: the same value wherever the files are read from (local folder, S3 cache). */
const withFileName = (select: string): string => `select * replace (parse_filename(${LANDING_FILE}) as ${LANDING_FILE}) from (${select})`;
/** Rows named in a failure message; the rest are counted. */
const SHOWN = 3;

/** Files of one header, read with that header's columns and the yml's declared types (VARCHAR when undeclared). */
interface HeaderGroup {
  columns: string[];
  paths: string[];
}

/** The landing files grouped by header: one scan per distinct header (files may add or reorder columns), combined by name. */
function headerGroups(files: LandingFiles): HeaderGroup[] {
  const show = files.display ?? ((p: string) => p);
  const groups = new Map<string, HeaderGroup>();
  for (const path of files.files ?? []) {
    const columns = headerOf(path, show);
    const key = JSON.stringify(columns);
    const group = groups.get(key);
    if (group) group.paths.push(path);
    else groups.set(key, { columns, paths: [path] });
  }
  return [...groups.values()];
}

/** The strict CSV scans of the groups; with `rejects`, bad rows are kept in temp tables (the load reports them). */
function csvScans(files: LandingFiles, groups: HeaderGroup[], rejects: boolean): string[] {
  const declared = new Map(files.types.map((c) => [c.name.toLowerCase(), duckDbType(c.type)]));
  return groups.map((g, i) => {
    const columns = g.columns.map((c) => `${lit(c)}: ${lit(declared.get(c.toLowerCase()) ?? 'VARCHAR')}`).join(', ');
    return (
      `select * from read_csv([${g.paths.map(lit).join(', ')}], header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
      `strict_mode = true, null_padding = false, columns = {${columns}}, filename = '${LANDING_FILE}'` +
      (rejects ? `, store_rejects = true, rejects_table = 'medallion_rejects_${i}', rejects_scan = 'medallion_reject_scans_${i}')` : ')')
    );
  });
}

function otherFormatSelect(files: LandingFiles): string {
  const reader = files.format === 'parquet' ? `read_parquet(${lit(files.pattern)}, union_by_name = true, filename = '${LANDING_FILE}')` : `read_json_auto(${lit(files.pattern)}, filename = '${LANDING_FILE}')`;
  return withFileName(`select * from ${reader}`);
}

/** What a landing load selects, without loading: the column model binds it for the landing relation's columns. */
export function landingSelectSql(files: LandingFiles): string {
  if (files.format !== 'csv') return otherFormatSelect(files);
  return withFileName(csvScans(files, headerGroups(files), false).join('\nunion all by name\n'));
}

export async function loadLanding(session: EngineSession, dialect: Dialect, relation: Relation, files: LandingFiles, signal?: AbortSignal): Promise<LandingLoad> {
  const opts = signal ? { signal } : {};
  if (files.format !== 'csv') {
    await replaceRelation(session, relation, `create or replace view ${relation.render()} as ${otherFormatSelect(files)}`, opts);
    return {};
  }
  const show = files.display ?? ((p: string) => p);
  const groups = headerGroups(files);
  const scans = csvScans(files, groups, true);
  const columnsOf = new Map(groups.flatMap((g) => g.paths.map((p) => [p, g.columns] as const)));
  const rejectTables = scans.map((_, i) => [`temp.main.medallion_rejects_${i}`, `temp.main.medallion_reject_scans_${i}`] as const);
  for (const [errors, scansTable] of rejectTables) {
    await session.execute(`drop table if exists ${errors}`, opts);
    await session.execute(`drop table if exists ${scansTable}`, opts);
  }
  const rejectsRelation = dialect.renderRelation(relation.database, relation.schema, `${relation.identifier}__rejects`);
  await session.execute('begin transaction', opts);
  try {
    const existing = await session.relationInfo(relation, { columns: false });
    if (existing?.type === 'view') await session.execute(`drop view ${relation.render()}`, opts);
    await session.execute(`create or replace table ${relation.render()} as ${withFileName(scans.join('\nunion all by name\n'))}`, opts);
    const rejected = await session.execute(
      rejectTables
        .map(([errors, scansTable]) => `select s.file_path, e.line, e.column_idx, e.column_name, e.error_type, e.error_message from ${errors} e join ${scansTable} s using (scan_id, file_id)`)
        .join(' union all ') + ' order by 1, 2',
      opts,
    );
    const bad = rejected.rows.map(([file, line, index, name, , message]) => {
      const path = String(file);
      const columns = columnsOf.get(path) ?? [];
      const at = name !== null && columns.includes(String(name)) ? columns.indexOf(String(name)) + 1 : Number(index);
      return { file: show(path), line: Number(line), column: at, name: name === null ? undefined : String(name), message: String(message) };
    });
    if (bad.length > 0 && files.onBadRows !== 'reject') {
      const lines = bad.slice(0, SHOWN).map((b) => `${b.file}:${b.line}: column ${b.column}${b.name ? ` (${b.name})` : ''}: ${b.message}`);
      if (bad.length > SHOWN) lines.push(`... and ${bad.length - SHOWN} more bad rows`);
      throw new EngineError(`${bad.length} bad row${bad.length === 1 ? '' : 's'} in the landing files; nothing of this load was kept (set meta.landing.on_bad_rows: reject to load the valid rows):\n${lines.join('\n')}`);
    }
    if (files.onBadRows === 'reject') {
      await session.execute(`create or replace table ${rejectsRelation} (file varchar, line bigint, column_index bigint, column_name varchar, error varchar)`, opts);
      const values = bad.map((b) => `(${lit(b.file)}, ${b.line}, ${b.column}, ${b.name === undefined ? 'null' : lit(b.name)}, ${lit(b.message)})`);
      if (values.length > 0) await session.execute(`insert into ${rejectsRelation} values ${values.join(', ')}`, opts);
    }
    const rows = Number((await session.execute(`select count(*) from ${relation.render()}`, opts)).rows[0]![0]);
    await session.execute('commit');
    return { rows, ...(files.onBadRows === 'reject' ? { rejected: bad.length, rejectsRelation } : {}) };
  } catch (err) {
    await session.execute('rollback').catch(() => undefined);
    throw err;
  }
}

/** Replaces whatever the relation is (a table from an older load, or a view) by `create`. */
async function replaceRelation(session: EngineSession, relation: Relation, create: string, opts: { signal?: AbortSignal }): Promise<void> {
  const existing = await session.relationInfo(relation, { columns: false });
  if (existing?.type === 'table') await session.transaction([`drop table ${relation.render()}`, create], opts);
  else await session.execute(create, opts);
}

/** The header row of a CSV file (its first record), read from the first bytes only. */
function headerOf(path: string, show: (p: string) => string): string[] {
  const fd = openSync(path, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(1 << 16);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    text = buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const header = readCsv(text, ',', { maxRows: 1 }).rows[0]?.map((c) => c.trim()) ?? [];
  if (header.length === 0 || header.every((c) => c === '')) throw new EngineError(`${show(path)}:1: the file has no header row`);
  const blank = header.findIndex((c) => c === '');
  if (blank >= 0) throw new EngineError(`${show(path)}:1: column ${blank + 1} of the header has no name`);
  const seen = new Set<string>();
  for (const [i, c] of header.entries()) {
    if (seen.has(c.toLowerCase())) throw new EngineError(`${show(path)}:1: column ${i + 1} of the header repeats the name '${c}'`);
    seen.add(c.toLowerCase());
  }
  return header;
}
