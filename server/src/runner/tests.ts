/**
 * Data tests and unit tests on an engine: dbt's test query (failures, should_warn, should_error
 * from fail_calc / warn_if / error_if), severity, store_failures; unit tests with fixtures in
 * place of the model's inputs, compared as multisets of rows with a readable diff.
 */
import type { Compiler } from '../core/compiler';
import { storedFailures } from '../core/compiler/generic-tests';
import { parseCsv } from '../core/csv';
import type { ProjectGraph } from '../core/graph';
import { PyFloat } from '../core/jinja';
import type { ProjectNode } from '../core/model';
import { LineIndex } from '../core/text';
import type { Engine, EngineSession, QueryResult } from '../engines/engine';
import type { NodeStatus } from './types';

export interface TestOutcome {
  status: NodeStatus;
  failures: number;
  message: string;
  /** Where the error is (a unit test's model that fails to compile: the model's file and line, not the test's yml). */
  file?: string;
  line?: number;
}

export async function runDataTest(engine: Engine, session: EngineSession, compiler: Compiler, node: ProjectNode, sql: string, signal?: AbortSignal, storeFailuresFlag = false): Promise<TestOutcome> {
  const config = node.config;
  const failCalc = String(config.fail_calc ?? 'count(*)');
  const warnIf = String(config.warn_if ?? '!= 0');
  const errorIf = String(config.error_if ?? '!= 0');
  const limit = config.limit === undefined || config.limit === null ? '' : `\nlimit ${Number(config.limit)}`;
  const opts = signal ? { signal } : {};
  // dbt's test materialization: failures stored (as dbt finalized store_failures/store_failures_as)
  // with the limit applied, then counted from the stored relation.
  let tested = `${sql}${limit}`;
  const stored = storedFailures(config, storeFailuresFlag);
  if (stored.store) {
    if (stored.as !== 'table' && stored.as !== 'view') {
      return { status: 'error', failures: 0, message: `'${stored.as}' is not a valid value for \`store_failures_as\`. Accepted values are: ['ephemeral', 'table', 'view']` };
    }
    const relation = compiler.relation(node);
    await engine.ensureSchema(session, relation.database, relation.schema!, signal);
    // The previous run's relation may be of the other kind (a table where a view goes now): dropped, as dbt drops it.
    const old = await session.relationInfo(relation).catch(() => undefined);
    if (old && old.type !== stored.as) await session.execute(`drop ${old.type} if exists ${relation.render()}`, opts);
    await session.execute(`create or replace ${stored.as} ${relation.render()} as (\n${tested}\n)`, opts);
    tested = `select * from ${relation.render()}`;
  }
  const query = `select\n  ${failCalc} as failures,\n  ${failCalc} ${warnIf} as should_warn,\n  ${failCalc} ${errorIf} as should_error\nfrom (\n${tested}\n) dbt_internal_test`;
  const result = await session.execute(query, opts);
  const [failures, shouldWarn, shouldError] = result.rows[0] ?? [0, false, false];
  const count = Number(failures ?? 0);
  const severity = String(config.severity ?? 'error').toLowerCase();
  if (severity === 'error' && truthy(shouldError)) return { status: 'fail', failures: count, message: `${count} failing row${count === 1 ? '' : 's'}` };
  if (truthy(shouldWarn)) return { status: 'warn', failures: count, message: `${count} failing row${count === 1 ? '' : 's'} (severity warn)` };
  return { status: 'pass', failures: count, message: 'pass' };
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === 1n;
}

interface FixtureRows {
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

/** given/expect rows: `rows:` as a list of dicts, or `format: csv` with rows as CSV text. */
export function fixtureRows(spec: unknown, what: string): FixtureRows {
  const s = (spec ?? {}) as { format?: string; rows?: unknown };
  const format = String(s.format ?? 'dict');
  if (format === 'csv') {
    const text = typeof s.rows === 'string' ? s.rows : '';
    const [first, ...rest] = parseCsv(text).filter((r) => r.some((v) => v.trim() !== ''));
    if (!first) return { columns: [], rows: [] };
    const header = first.map((h) => h.trim());
    return { columns: header, rows: rest.map((r) => Object.fromEntries(r.map((v, i) => [header[i]!, v.trim() === '' ? null : v.trim()]))) };
  }
  if (format === 'sql') throw new Error(`${what}: format 'sql' fixtures are not supported yet; use dict or csv rows`);
  const rows = Array.isArray(s.rows) ? (s.rows as Array<Record<string, unknown>>) : [];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r ?? {})))];
  return { columns, rows };
}



/**
 * Fixture rows as a subquery. Columns the input relation has are cast to its types (as dbt
 * does), missing ones are null of that type; without a relation, literals keep their own types.
 */
function fixtureSql(engine: Engine, fixture: FixtureRows, columnTypes: Map<string, string> | undefined): string {
  const q = (n: string): string => engine.dialect.quoteIdentifier(n);
  const lit = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat ? String(v) : engine.dialect.stringLiteral(String(v)));
  const columns = columnTypes && columnTypes.size > 0 ? [...columnTypes.keys()] : fixture.columns;
  const cell = (row: Record<string, unknown>, c: string): string => {
    const key = Object.keys(row).find((k) => k.toLowerCase() === c.toLowerCase());
    const value = key === undefined ? null : row[key];
    const type = columnTypes?.get(c);
    return type ? `cast(${lit(value)} as ${type}) as ${q(c)}` : `${lit(value)} as ${q(c)}`;
  };
  if (fixture.rows.length === 0) {
    return `(select ${columns.map((c) => `cast(null as ${columnTypes?.get(c) ?? engine.dialect.textType}) as ${q(c)}`).join(', ') || '1 as _empty'} where false)`;
  }
  return `(\n${fixture.rows.map((r) => `  select ${columns.map((c) => cell(r, c)).join(', ')}`).join('\n  union all\n')}\n)`;
}

export async function runUnitTest(engine: Engine, session: EngineSession, compiler: Compiler, graph: ProjectGraph, node: ProjectNode, signal?: AbortSignal): Promise<TestOutcome & { sql?: string }> {
  const unit = node.unitTest!;
  const model = graph.resolveRef(unit.model);
  if (!model) return { status: 'error', failures: 0, message: `Unit test ${node.name}: model '${unit.model}' does not exist` };
  const opts = signal ? { signal } : {};
  const overrides = new Map<string, string>();
  for (const given of unit.given as Array<Record<string, unknown>>) {
    const input = String(given.input ?? '');
    const m = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(input) ?? /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(input);
    const target = m && m[2] !== undefined ? graph.resolveSource(m[1]!, m[2]) : m ? graph.resolveRef(m[1]!) : undefined;
    if (!target) return { status: 'error', failures: 0, message: `Unit test ${node.name}: cannot resolve input ${input}` };
    const info = await session.relationInfo(compiler.relation(target)).catch(() => undefined);
    const types = info ? new Map(info.columns.map((c) => [c.name, c.type])) : undefined;
    overrides.set(target.uniqueId, fixtureSql(engine, fixtureRows(given, `${node.name} input ${input}`), types));
  }
  const overridesMacros = (unit.overrides ?? {}) as { macros?: Record<string, unknown> };
  const incremental = overridesMacros.macros && 'is_incremental' in overridesMacros.macros ? Boolean(overridesMacros.macros.is_incremental) : false;
  const compiled = compiler.compileWith(model.uniqueId, overrides, incremental);
  if (compiled.sql === undefined) {
    // The cause is in the model: name its file and line (the unit test only asked to compile it).
    const d = compiled.diagnostics[0];
    const text = compiler.analysis.project.files.get(d?.file ?? '')?.text;
    const line = d?.span && text ? new LineIndex(text).position(d.span.start).line + 1 : undefined;
    const message = `model ${model.name} does not compile: ${compiled.diagnostics.map((x) => x.message).join('; ')}`;
    return { status: 'error', failures: 0, message, ...(d?.file ? { file: d.file } : {}), ...(line ? { line } : {}) };
  }
  const expected = fixtureRows(unit.expect, `${node.name} expect`);
  const q = (n: string): string => engine.dialect.quoteIdentifier(n);
  const actualSql = `select ${expected.columns.map(q).join(', ')} from (\n${compiled.sql}\n) as actual`;
  // Expected values take the types the model produces, so '4.5' compares with 4.5.
  const actualInfo = await session.execute(`select * from (${actualSql}) limit 0`, opts);
  const types = new Map(actualInfo.columns.map((c) => [c.name, c.type]));
  const expectedSql = fixtureSql(engine, expected, types);
  const diffSql = `select 'missing' as diff, * from (select * from ${expectedSql} except all select * from (${actualSql})) union all select 'unexpected' as diff, * from (select * from (${actualSql}) except all select * from ${expectedSql})`;
  const diff = await session.execute(diffSql, opts);
  if (diff.rows.length === 0) return { status: 'pass', failures: 0, message: 'pass', sql: compiled.sql };
  return { status: 'fail', failures: diff.rows.length, message: `actual differs from expected:\n${formatDiff(diff)}`, sql: compiled.sql };
}

/** `- expected row` / `+ actual row` lines, like a unified diff. */
function formatDiff(diff: QueryResult): string {
  const header = diff.columns.slice(1).map((c) => c.name).join(' | ');
  const lines = diff.rows.map((r) => `${r[0] === 'missing' ? '-' : '+'} ${r.slice(1).map((v) => (v === null ? 'null' : String(v))).join(' | ')}`);
  return `  ${header}\n${lines.map((l) => `  ${l}`).join('\n')}\n  (- expected but missing, + produced but not expected)`;
}
