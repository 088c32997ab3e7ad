/**
 * Column lineage and references from DuckDB's own parse tree (`json_serialize_sql`), resolved
 * against the column model: every column reference is resolved in its scope (FROM relations,
 * CTEs, subqueries, USING joins, select-list aliases, outer scopes), every `*` is expanded, and
 * every output column is traced to the upstream node columns it is computed from. Pure: the
 * tree and the relations' columns come in, nothing is guessed — what cannot be resolved stays
 * unresolved.
 */
import type { Span } from '../text';
import type { ColumnDef, ColumnRefId, ColumnReference, OutputColumn, QueryInfo, QueryScope, StarExpansion } from './model';

/**
 * A relation named in FROM → the node it is and its columns as read from it (each column's `from`
 * is that node's column itself); undefined: not a known relation. The same arrays may be handed to
 * every query reading the node: nothing here changes them.
 */
export type RelationLookup = (name: { catalog?: string; schema?: string; table: string }) => { nodeId?: string; columns: readonly OutputColumn[] | undefined } | undefined;

/** A node's columns as a relation read from it: each column comes from that node's column. */
export function asRelationColumns(nodeId: string, columns: readonly OutputColumn[] | undefined): OutputColumn[] | undefined {
  return columns?.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}), from: [{ nodeId, column: c.name }] }));
}

type Json = Record<string, unknown>;

interface Col {
  name: string;
  type?: string;
  /** Undefined: computed from something that could not be resolved (never guessed). */
  from: ColumnRefId[] | undefined;
}

interface Rel {
  alias: string;
  /** Table name (lower case) when the relation is a table: `[table, column]` references. */
  table?: string;
  nodeId?: string;
  cte?: string;
  columns: Col[] | undefined;
}

interface Scope {
  rels: Rel[];
  /** USING/NATURAL join columns: referenced unqualified without ambiguity. */
  using: Set<string>;
  /** Select-list aliases (DuckDB resolves them in WHERE, GROUP BY, ORDER BY and later select items). */
  aliases: Map<string, Col>;
  outer: Scope | undefined;
}

const NO_LOCATION = 18446744073709551615;

const lower = (s: string): string => s.toLowerCase();

/** Byte offsets (DuckDB's positions are in UTF-8 bytes) → UTF-16 offsets of the JS string. */
export function byteOffsetConverter(sql: string): (byte: number) => number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(sql)) return (b) => b;
  const offsets: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const code = sql.codePointAt(i)!;
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < bytes; k++) offsets.push(i);
    if (code >= 0x10000) i++;
  }
  return (b) => (b >= offsets.length ? sql.length : offsets[b]!);
}

/** The parts of a dotted identifier starting at `at` (`"a".b . c`), with their spans. */
export function identifierChain(sql: string, at: number): Array<{ name: string; span: Span }> {
  const parts: Array<{ name: string; span: Span }> = [];
  let i = at;
  for (;;) {
    while (sql[i] === ' ' || sql[i] === '\n' || sql[i] === '\t' || sql[i] === '\r') i++;
    const quote = sql[i] === '"' || sql[i] === '`' ? sql[i] : undefined;
    if (quote) {
      let j = i + 1;
      let name = '';
      while (j < sql.length) {
        if (sql[j] === quote) {
          if (sql[j + 1] === quote) {
            name += quote;
            j += 2;
            continue;
          }
          break;
        }
        name += sql[j];
        j++;
      }
      parts.push({ name, span: { start: i, end: Math.min(sql.length, j + 1) } });
      i = j + 1;
    } else {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 256));
      if (!m) break;
      parts.push({ name: m[0], span: { start: i, end: i + m[0].length } });
      i += m[0].length;
    }
    let k = i;
    while (sql[k] === ' ' || sql[k] === '\n' || sql[k] === '\t' || sql[k] === '\r') k++;
    if (sql[k] !== '.') break;
    i = k + 1;
  }
  return parts;
}

function uniqueRefs(lists: Array<ColumnRefId[] | undefined>): ColumnRefId[] | undefined {
  const seen = new Set<string>();
  const out: ColumnRefId[] = [];
  for (const list of lists) {
    if (!list) return undefined;
    for (const r of list) {
      const key = `${r.nodeId}\u0000${r.column}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

class Resolver {
  readonly references: ColumnReference[] = [];
  readonly scopes: QueryScope[] = [];
  readonly stars: StarExpansion[] = [];
  private readonly toChar: (byte: number) => number;

  constructor(
    private readonly sql: string,
    private readonly lookup: RelationLookup,
  ) {
    this.toChar = byteOffsetConverter(sql);
  }

  private location(node: Json): number | undefined {
    const at = node.query_location;
    if (typeof at !== 'number' || at >= NO_LOCATION || at < 0) return undefined;
    return this.toChar(at);
  }

  /** The smallest and largest positions in a subtree (operators carry the operator's position, not their first operand's). */
  extent(node: unknown, acc: { min: number; max: number } = { min: Infinity, max: -Infinity }): { min: number; max: number } {
    if (!node || typeof node !== 'object') return acc;
    if (Array.isArray(node)) {
      for (const n of node) this.extent(n, acc);
      return acc;
    }
    const at = this.location(node as Json);
    if (at !== undefined) {
      acc.min = Math.min(acc.min, at);
      acc.max = Math.max(acc.max, at);
    }
    for (const v of Object.values(node as Json)) if (v && typeof v === 'object') this.extent(v, acc);
    return acc;
  }

  // ------------------------------------------------------------------ queries

  /** Output columns of a query node (undefined when they cannot be known exactly). */
  query(node: Json, ctes: Map<string, Col[] | undefined>, outer: Scope | undefined): Col[] | undefined {
    const local = new Map(ctes);
    for (const entry of ((node.cte_map as Json | undefined)?.map as Json[] | undefined) ?? []) {
      const name = lower(String(entry.key));
      const value = entry.value as Json;
      const inner = (value.query as Json | undefined)?.node as Json | undefined;
      let cols = inner ? this.query(inner, local, outer) : undefined;
      const aliases = (value.aliases as string[] | undefined) ?? [];
      if (cols && aliases.length > 0) cols = cols.map((c, i) => (i < aliases.length ? { ...c, name: aliases[i]! } : c));
      local.set(name, cols);
    }
    switch (node.type) {
      case 'SELECT_NODE':
        return this.select(node, local, outer);
      case 'SET_OPERATION_NODE':
      case 'RECURSIVE_CTE_NODE': {
        if (node.type === 'RECURSIVE_CTE_NODE') {
          // The recursive part reads the CTE itself: give it the anchor's columns.
          const anchor = this.query(node.left as Json, local, outer);
          const aliases = (node.aliases as string[] | undefined) ?? [];
          const named = anchor?.map((c, i) => (i < aliases.length ? { ...c, name: aliases[i]! } : c));
          local.set(lower(String(node.cte_name)), named);
          const right = this.query(node.right as Json, local, outer);
          return this.combine(named, right, false);
        }
        const left = this.query(node.left as Json, local, outer);
        const right = this.query(node.right as Json, local, outer);
        return this.combine(left, right, /BY_NAME/i.test(String(node.setop_type)));
      }
      default:
        this.walk(node, { rels: [], using: new Set(), aliases: new Map(), outer }, local);
        return undefined;
    }
  }

  private combine(left: Col[] | undefined, right: Col[] | undefined, byName: boolean): Col[] | undefined {
    if (!left || !right) return undefined;
    if (byName) {
      const out = left.map((c) => ({ ...c, from: c.from && [...c.from] }));
      for (const r of right) {
        const hit = out.find((c) => lower(c.name) === lower(r.name));
        if (hit) hit.from = uniqueRefs([hit.from, r.from]);
        else out.push(r);
      }
      return out;
    }
    if (left.length !== right.length) return undefined;
    return left.map((c, i) => ({ name: c.name, ...(c.type === right[i]!.type && c.type ? { type: c.type } : {}), from: uniqueRefs([c.from, right[i]!.from]) }));
  }

  private select(node: Json, ctes: Map<string, Col[] | undefined>, outer: Scope | undefined): Col[] | undefined {
    const scope: Scope = { rels: [], using: new Set(), aliases: new Map(), outer };
    const extent = this.extent(node);
    if (node.from_table) this.from(node.from_table as Json, ctes, scope);
    const scopeInfo: QueryScope = {
      span: { start: Number.isFinite(extent.min) ? extent.min : 0, end: Number.isFinite(extent.max) ? extent.max + 1 : 0 },
      // The relations' own column arrays (shared, never changed): no copy per scope.
      relations: scope.rels.map((r) => ({ alias: r.alias, ...(r.nodeId ? { nodeId: r.nodeId } : {}), ...(r.cte ? { cte: r.cte } : {}), columns: r.columns as OutputColumn[] | undefined })),
    };
    this.scopes.push(scopeInfo);
    let out: Col[] | undefined = [];
    for (const item of (node.select_list as Json[] | undefined) ?? []) {
      if (item.class === 'STAR') {
        const expanded = this.star(item, scope, ctes);
        if (expanded && out) out.push(...expanded);
        else out = undefined;
        continue;
      }
      const from = this.expression(item, scope, ctes);
      const alias = typeof item.alias === 'string' && item.alias !== '' ? item.alias : undefined;
      const names = item.class === 'COLUMN_REF' ? (item.column_names as string[]) : undefined;
      const name = alias ?? (names ? names[names.length - 1]! : `?${out?.length ?? 0}`);
      const passThrough = item.class === 'COLUMN_REF' ? this.references[this.references.length - 1] : undefined;
      const col: Col = { name, ...(passThrough?.type ? { type: passThrough.type } : {}), from };
      if (alias) scope.aliases.set(lower(alias), col);
      out?.push(col);
    }
    for (const key of ['where_clause', 'having', 'qualify'] as const) if (node[key]) this.expression(node[key] as Json, scope, ctes);
    for (const g of (node.group_expressions as Json[] | undefined) ?? []) this.expression(g, scope, ctes);
    for (const m of (node.modifiers as Json[] | undefined) ?? []) this.walk(m, scope, ctes);
    return out;
  }

  // ------------------------------------------------------------------ FROM

  private from(ref: Json, ctes: Map<string, Col[] | undefined>, scope: Scope): void {
    const alias = typeof ref.alias === 'string' ? ref.alias : '';
    const renamed = (cols: Col[] | undefined): Col[] | undefined => {
      const names = (ref.column_name_alias as string[] | undefined) ?? [];
      if (!cols || names.length === 0) return cols;
      return cols.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c));
    };
    switch (ref.type) {
      case 'BASE_TABLE': {
        const table = String(ref.table_name);
        const schema = String(ref.schema_name ?? '');
        const catalog = String(ref.catalog_name ?? '');
        if (!schema && !catalog && this.cteVisible(ctes, table)) {
          scope.rels.push({ alias: alias || table, table: lower(table), cte: table, columns: renamed(ctes.get(lower(table))) });
          return;
        }
        const found = this.lookup({ ...(catalog ? { catalog } : {}), ...(schema ? { schema } : {}), table });
        scope.rels.push({ alias: alias || table, table: lower(table), ...(found?.nodeId ? { nodeId: found.nodeId } : {}), columns: renamed(found?.columns as Col[] | undefined) });
        return;
      }
      case 'JOIN': {
        this.from(ref.left as Json, ctes, scope);
        const leftCount = scope.rels.length;
        this.from(ref.right as Json, ctes, scope);
        let using = (ref.using_columns as string[] | undefined) ?? [];
        if (ref.ref_type === 'NATURAL') {
          const left = new Set(scope.rels.slice(0, leftCount).flatMap((r) => r.columns?.map((c) => lower(c.name)) ?? []));
          using = scope.rels.slice(leftCount).flatMap((r) => r.columns?.map((c) => c.name).filter((n) => left.has(lower(n))) ?? []);
        }
        for (const u of using) scope.using.add(lower(u));
        if (ref.condition) this.expression(ref.condition as Json, scope, ctes);
        return;
      }
      case 'SUBQUERY': {
        const inner = ((ref.subquery as Json | undefined)?.node as Json | undefined) ?? undefined;
        // LATERAL subqueries may read the relations on their left: the current scope is their outer scope.
        const cols = inner ? this.query(inner, ctes, scope) : undefined;
        scope.rels.push({ alias: alias || 'unnamed_subquery', cte: alias || 'subquery', columns: renamed(cols) });
        return;
      }
      case 'TABLE_FUNCTION': {
        if (ref.function) this.expression(ref.function as Json, scope, ctes);
        scope.rels.push({ alias: alias || String((ref.function as Json | undefined)?.function_name ?? ''), columns: undefined });
        return;
      }
      case 'EMPTY':
        return;
      default:
        // VALUES lists, PIVOT, UNPIVOT...: their references are recorded, their columns are not known here.
        this.walk(ref, scope, ctes);
        scope.rels.push({ alias, columns: undefined });
    }
  }

  private cteVisible(ctes: Map<string, Col[] | undefined>, name: string): boolean {
    return ctes.has(lower(name));
  }

  // ------------------------------------------------------------------ stars

  private star(item: Json, scope: Scope, ctes: Map<string, Col[] | undefined>): Col[] | undefined {
    const at = this.location(item);
    const qualifier = typeof item.relation_name === 'string' && item.relation_name !== '' ? item.relation_name : undefined;
    const exclude = new Set([...((item.exclude_list as string[] | undefined) ?? []), ...(((item.qualified_exclude_list as Json[] | undefined) ?? []).map((q) => String((q.column_names as string[] | undefined)?.slice(-1)[0] ?? '')))].map(lower));
    const replace = (item.replace_list as Json[] | undefined) ?? [];
    const renames = (item.rename_list as Json[] | undefined) ?? [];
    const modified = exclude.size > 0 || replace.length > 0 || renames.length > 0 || item.columns === true || Boolean(item.expr);
    if (item.expr) this.expression(item.expr as Json, scope, ctes);
    for (const r of replace) if (r.value) this.expression(r.value as Json, scope, ctes);
    if (item.columns === true || item.expr) return undefined;
    const rels = qualifier ? scope.rels.filter((r) => lower(r.alias) === lower(qualifier)) : scope.rels;
    if (rels.length === 0 || rels.some((r) => !r.columns)) {
      if (at !== undefined) this.stars.push({ span: { start: at, end: at + 1 }, ...(qualifier ? { qualifier } : {}), columns: [], modified: true });
      return undefined;
    }
    const out: Col[] = [];
    const written: string[] = [];
    const seenUsing = new Set<string>();
    const qualify = !qualifier && rels.length > 1;
    for (const rel of rels) {
      for (const c of rel.columns!) {
        const key = lower(c.name);
        if (exclude.has(key)) continue;
        if (!qualifier && scope.using.has(key)) {
          // A USING column appears once, unqualified, where it first occurs.
          if (seenUsing.has(key)) {
            const first = out.find((o) => lower(o.name) === key);
            if (first) first.from = uniqueRefs([first.from, c.from]);
            continue;
          }
          seenUsing.add(key);
          out.push({ ...c });
          written.push(quoteIfNeeded(c.name));
          continue;
        }
        const replaced = replace.find((r) => lower(String(r.name ?? r.key ?? '')) === key);
        const renamed = renames.find((r) => lower(String((r.column as Json | undefined)?.column_names ?? r.key ?? '')) === key);
        out.push({ name: renamed ? String(renamed.value ?? c.name) : c.name, ...(c.type && !replaced ? { type: c.type } : {}), from: replaced ? undefined : c.from });
        written.push(qualify ? `${quoteIfNeeded(rel.alias)}.${quoteIfNeeded(c.name)}` : quoteIfNeeded(c.name));
      }
    }
    if (at !== undefined) this.stars.push({ span: this.starSpan(at), ...(qualifier ? { qualifier } : {}), columns: written, modified });
    return out;
  }

  /** `*` or `alias.*`: the span to replace with the column list. */
  private starSpan(at: number): Span {
    const star = this.sql.indexOf('*', at);
    return { start: at, end: star >= 0 && star - at < 300 ? star + 1 : at + 1 };
  }

  // ------------------------------------------------------------------ expressions

  /** Records the references in an expression; returns the upstream columns it reads (undefined: a reference could not be resolved). */
  expression(node: Json, scope: Scope, ctes: Map<string, Col[] | undefined>): ColumnRefId[] | undefined {
    const found: Array<ColumnRefId[] | undefined> = [];
    this.walk(node, scope, ctes, found);
    return uniqueRefs(found);
  }

  private walk(node: unknown, scope: Scope, ctes: Map<string, Col[] | undefined>, found: Array<ColumnRefId[] | undefined> = []): void {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) this.walk(n, scope, ctes, found);
      return;
    }
    const o = node as Json;
    if (o.class === 'COLUMN_REF') {
      found.push(this.columnRef(o, scope));
      return;
    }
    if (o.class === 'LAMBDA') {
      // Lambda parameters are not columns: only the body's other references are.
      const params = new Set(this.lambdaParams(o.lhs as Json).map(lower));
      const lambdaScope: Scope = { rels: [{ alias: '', columns: [...params].map((p) => ({ name: p, from: [] })) }], using: new Set(), aliases: new Map(), outer: scope };
      const before = this.references.length;
      this.walk(o.expr, lambdaScope, ctes, found);
      // Lambda parameters are not column references.
      this.references.splice(before, this.references.length - before, ...this.references.slice(before).filter((r) => r.qualifier !== undefined || !params.has(lower(r.name))));
      return;
    }
    if (o.type === 'SELECT_NODE' || o.type === 'SET_OPERATION_NODE' || o.type === 'RECURSIVE_CTE_NODE') {
      const cols = this.query(o, ctes, scope);
      if (!cols) found.push(undefined);
      for (const c of cols ?? []) found.push(c.from);
      return;
    }
    for (const v of Object.values(o)) if (v && typeof v === 'object') this.walk(v, scope, ctes, found);
  }

  private lambdaParams(lhs: Json | undefined): string[] {
    if (!lhs) return [];
    if (lhs.class === 'COLUMN_REF') return [(lhs.column_names as string[]).slice(-1)[0]!];
    return ((lhs.children as Json[] | undefined) ?? []).flatMap((c) => this.lambdaParams(c));
  }

  private columnRef(node: Json, scope: Scope): ColumnRefId[] | undefined {
    const names = (node.column_names as string[] | undefined) ?? [];
    const at = this.location(node);
    const chain = at !== undefined ? identifierChain(this.sql, at) : [];
    const resolved = this.resolve(names, scope);
    // Which written part is the column: after the relation's parts when qualified, else the first (struct fields follow).
    const columnPart = resolved ? resolved.partIndex : names.length === 1 ? 0 : names.length - 1;
    const part = chain.length === names.length ? chain[columnPart] : undefined;
    const span = part?.span ?? (at !== undefined ? { start: at, end: at + (names[names.length - 1]?.length ?? 1) } : { start: 0, end: 0 });
    const reference: ColumnReference = {
      span,
      name: names[columnPart] ?? names[names.length - 1] ?? '',
      ...(resolved && resolved.partIndex > 0 ? { qualifier: names.slice(0, resolved.partIndex).join('.') } : names.length > 1 && !resolved ? { qualifier: names.slice(0, -1).join('.') } : {}),
      ...(resolved?.relation ? { relation: resolved.relation } : {}),
      ...(resolved?.col.type && resolved.partIndex === names.length - 1 ? { type: resolved.col.type } : {}),
      ...(resolved?.col.from ? { from: resolved.col.from } : {}),
    };
    this.references.push(reference);
    return resolved ? resolved.col.from : undefined;
  }

  /** A reference's column: qualified by a relation alias or table name, else unqualified (then struct fields). */
  private resolve(names: string[], scope: Scope): { col: Col; relation?: string; partIndex: number } | undefined {
    for (let s: Scope | undefined = scope; s; s = s.outer) {
      // Qualified: [alias, col], [schema, table, col], [catalog, schema, table, col] (and struct fields after).
      for (let q = Math.min(3, names.length - 1); q >= 1; q--) {
        const qualifier = lower(names[q - 1]!);
        const rel = s.rels.find((r) => lower(r.alias) === qualifier) ?? (q > 1 ? s.rels.find((r) => r.table === qualifier) : s.rels.find((r) => r.table === qualifier && lower(r.alias) === qualifier));
        if (!rel) continue;
        const col = rel.columns?.find((c) => lower(c.name) === lower(names[q]!));
        return col ? { col, relation: rel.alias, partIndex: q } : undefined;
      }
      // Unqualified (the first part is the column; the rest are struct fields).
      const key = lower(names[0]!);
      const holders = s.rels.filter((r) => r.columns?.some((c) => lower(c.name) === key));
      if (holders.length === 1 || (holders.length > 1 && s.using.has(key))) {
        const cols = holders.map((h) => h.columns!.find((c) => lower(c.name) === key)!);
        const col: Col = holders.length === 1 ? cols[0]! : { name: cols[0]!.name, ...(cols[0]!.type ? { type: cols[0]!.type } : {}), from: uniqueRefs(cols.map((c) => c.from)) };
        return { col, relation: holders[0]!.alias, partIndex: 0 };
      }
      if (holders.length > 1) return undefined;
      const alias = s.aliases.get(key);
      if (alias) return { col: alias, partIndex: 0 };
      // A relation whose columns are unknown could hold it: do not look further out.
      if (s.rels.some((r) => !r.columns)) return undefined;
    }
    return undefined;
  }
}

function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const RESERVED = new Set(['all', 'and', 'as', 'by', 'case', 'cast', 'select', 'from', 'where', 'group', 'order', 'limit', 'having', 'join', 'on', 'or', 'not', 'null', 'table', 'to', 'union', 'user', 'when', 'then', 'else', 'end', 'default', 'desc', 'asc', 'in', 'is', 'with', 'window', 'qualify', 'primary', 'references', 'check', 'column', 'create', 'distinct', 'using', 'natural', 'both', 'leading', 'trailing', 'array', 'offset', 'only', 'some', 'any', 'true', 'false']);

/**
 * Resolves a compiled query's parse tree (`json_serialize_sql` output) against the relations'
 * columns. `bound` are the output columns the engine's binder gave (names and types are taken
 * from it); lineage is kept only when the tree's outputs line up with them one to one.
 */
export function analyzeQuery(tree: unknown, sql: string, lookup: RelationLookup, bound?: ColumnDef[]): QueryInfo | undefined {
  const root = tree as { error?: boolean; statements?: Array<{ node?: Json }> } | undefined;
  if (!root || root.error || !root.statements || root.statements.length !== 1) return undefined;
  const node = root.statements[0]!.node;
  if (!node) return undefined;
  const resolver = new Resolver(sql, lookup);
  const outputs = resolver.query(node, new Map(), undefined);
  const aligned = outputs && (!bound || bound.length === outputs.length);
  const top = topSelect(node);
  const outputSpans: QueryInfo['outputSpans'] = [];
  if (top && aligned && outputs) {
    const items = (top.select_list as Json[] | undefined) ?? [];
    if (items.every((i) => i.class !== 'STAR')) {
      const fromAt = resolver.extent(top.from_table).min;
      items.forEach((item, index) => {
        const end = index + 1 < items.length ? resolver.extent(items[index + 1]).min : Number.isFinite(fromAt) ? fromAt : sql.length;
        outputSpans.push(outputNameSpan(sql, item, resolver.extent(item).min, end, resolver));
      });
    }
  }
  return {
    references: resolver.references,
    scopes: resolver.scopes,
    stars: resolver.stars,
    lineage: aligned && outputs ? outputs.map((c) => c.from) : (bound ?? outputs ?? []).map(() => undefined),
    outputSpans,
    outputNames: outputs?.map((c) => c.name),
  };
}

function topSelect(node: Json): Json | undefined {
  if (node.type === 'SELECT_NODE') return node;
  return undefined;
}

/** Where an output column's name is written: its alias (`as x`), or the column reference itself. */
function outputNameSpan(sql: string, item: Json, start: number, end: number, resolver: Resolver): { span: Span; aliased: boolean } | undefined {
  const alias = typeof item.alias === 'string' && item.alias !== '' ? item.alias : undefined;
  if (!alias) {
    if (item.class !== 'COLUMN_REF') return undefined;
    const names = item.column_names as string[];
    const chain = identifierChain(sql, start);
    return chain.length === names.length ? { span: chain[chain.length - 1]!.span, aliased: false } : undefined;
  }
  if (!Number.isFinite(start)) return undefined;
  // The alias is the last identifier before the next item (or FROM): search backwards for it.
  const text = sql.slice(start, Math.min(end, sql.length));
  const pattern = new RegExp(`(?:"${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '""')}"|\\b${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b)`, 'gi');
  let last: RegExpExecArray | undefined;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) last = m;
  void resolver;
  return last ? { span: { start: start + last.index, end: start + last.index + last[0].length }, aliased: true } : undefined;
}
