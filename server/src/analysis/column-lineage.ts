/**
 * Column-level lineage where the SQL can be analysed: the compiled SELECT is parsed with
 * node-sql-parser, each output column is traced through CTEs and aliases to the columns of the
 * relations it reads. Best effort by design: SQL the parser does not understand yields no column
 * edges (never a guess), and `*` is not expanded.
 */
import { Parser } from 'node-sql-parser';

export interface ColumnEdge {
  /** Relation text as it appears in the SQL's FROM (e.g. "db"."schema"."table"), its identifier, and the column. */
  fromTable: string;
  fromColumn: string;
  toColumn: string;
}

type Ast = Record<string, unknown>;

const parser = new Parser();

/** Constructs DuckDB and Databricks accept that the PostgreSQL grammar does not, and that lineage does not need. */
function prepare(sql: string): string {
  return sql
    .replace(/\bgroup\s+by\s+all\b/gi, '')
    .replace(/`([^`]*)`/g, '"$1"')
    .replace(/\bqualify\b[\s\S]*$/i, '');
}

function name(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { value?: unknown; expr?: { value?: unknown } };
    if (typeof o.value === 'string') return o.value;
    if (o.expr && typeof o.expr.value === 'string') return o.expr.value;
  }
  return undefined;
}

function columnRefs(node: unknown, out: Array<{ table?: string; column: string }>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) columnRefs(n, out);
    return;
  }
  const o = node as Ast;
  if (o.type === 'column_ref') {
    const column = name(o.column);
    if (column && column !== '*') out.push({ ...(typeof o.table === 'string' ? { table: o.table } : {}), column });
    return;
  }
  // Subqueries inside expressions have their own scope; do not leak their columns.
  if (o.type === 'select') return;
  for (const v of Object.values(o)) if (v && typeof v === 'object') columnRefs(v, out);
}

interface Scope {
  /** Alias or name → a CTE's select, or a relation's text. */
  tables: Map<string, { cte?: Ast; relation?: string }>;
  ctes: Map<string, Ast>;
}

function scopeOf(select: Ast, ctes: Map<string, Ast>): Scope {
  const local = new Map(ctes);
  for (const w of (select.with as Ast[] | null) ?? []) {
    const n = name(w.name);
    const stmt = (w.stmt as { ast?: Ast } | undefined)?.ast ?? (w.stmt as Ast | undefined);
    if (n && stmt) local.set(n.toLowerCase(), stmt);
  }
  const tables = new Map<string, { cte?: Ast; relation?: string }>();
  for (const f of (select.from as Ast[] | null) ?? []) {
    const table = typeof f.table === 'string' ? f.table : undefined;
    if (!table) continue;
    const alias = (typeof f.as === 'string' ? f.as : table).toLowerCase();
    const cte = f.db ? undefined : local.get(table.toLowerCase());
    const relation = [f.db, f.schema, f.table].filter((p): p is string => typeof p === 'string').map((p) => `"${p}"`).join('.');
    tables.set(alias, cte ? { cte } : { relation });
    if (!f.as) tables.set(table.toLowerCase(), cte ? { cte } : { relation });
  }
  return { tables, ctes: local };
}

function outputName(col: Ast): string | undefined {
  if (typeof col.as === 'string') return col.as;
  const expr = col.expr as Ast | undefined;
  if (expr?.type === 'column_ref') return name(expr.column);
  return undefined;
}

/** Sources of one output column of `select`, following CTEs (depth-limited). */
function trace(select: Ast, column: string, ctes: Map<string, Ast>, depth: number): Array<{ relation: string; column: string }> {
  if (depth > 20) return [];
  const scope = scopeOf(select, ctes);
  const cols = (Array.isArray(select.columns) ? select.columns : []) as Ast[];
  const col = cols.find((c) => outputName(c)?.toLowerCase() === column.toLowerCase());
  let refs: Array<{ table?: string; column: string }> = [];
  if (col) columnRefs(col.expr, refs);
  else if (cols.some((c) => (c.expr as Ast | undefined)?.type === 'column_ref' && name((c.expr as Ast).column) === '*')) refs = [{ column }];
  const out: Array<{ relation: string; column: string }> = [];
  for (const ref of refs) {
    const candidates = ref.table ? [scope.tables.get(ref.table.toLowerCase())] : scope.tables.size === 1 ? [...scope.tables.values()] : [];
    for (const t of candidates) {
      if (!t) continue;
      if (t.cte) out.push(...trace(t.cte, ref.column, scope.ctes, depth + 1));
      else if (t.relation) out.push({ relation: t.relation, column: ref.column });
    }
  }
  return out;
}

/** Column edges of a compiled model, or undefined when its SQL cannot be analysed. */
export function columnLineage(compiledSql: string): ColumnEdge[] | undefined {
  let ast: unknown;
  try {
    ast = parser.astify(prepare(compiledSql), { database: 'postgresql' });
  } catch {
    return undefined;
  }
  const select = (Array.isArray(ast) ? ast[0] : ast) as Ast | undefined;
  if (!select || select.type !== 'select') return undefined;
  const edges: ColumnEdge[] = [];
  const seen = new Set<string>();
  for (const col of (Array.isArray(select.columns) ? select.columns : []) as Ast[]) {
    const out = outputName(col);
    if (!out || out === '*') continue;
    for (const source of trace(select, out, new Map(), 0)) {
      const key = `${source.relation}|${source.column}|${out}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ fromTable: source.relation, fromColumn: source.column, toColumn: out });
    }
  }
  return edges;
}
