/**
 * The column model: the output columns (and types) of every node, what each one is computed
 * from, and what the target engine said about the node's SQL. Data only: the engines fill it
 * (`server/src/columns/`), the editor features read it. A version is immutable; an edit yields a
 * new version sharing the unchanged entries.
 */
import type { Diagnostic } from '../diagnostics';
import type { Span } from '../text';

export interface ColumnDef {
  name: string;
  /** The engine's type name (`BIGINT`, `DECIMAL(10,2)`, `string`); undefined when not known. */
  type?: string;
}

/** One column of one node: what a lineage edge points at. */
export interface ColumnRefId {
  nodeId: string;
  column: string;
}

/**
 * How a node's columns are known:
 * - `binder`: the target engine bound the node's compiled SQL (DuckDB in process, Databricks `DESCRIBE QUERY`);
 * - `landing`: the engine read the landing files' header as a run would (sources);
 * - `seed`: the engine read the seed file as the seed loader does;
 * - `yml`: declared in yml (`data_type`);
 * - `parser`: the names a parser reads in the compiled SQL (types from yml where declared), never exact;
 * - `unknown`: none of these.
 */
export type ColumnOrigin = 'binder' | 'landing' | 'seed' | 'yml' | 'parser' | 'unknown';

export interface OutputColumn extends ColumnDef {
  /** Upstream node columns it is computed from (see NodeColumns.lineage for how sure). */
  from?: ColumnRefId[];
}

/** A column reference in a node's compiled SQL, resolved against the relations it reads. */
export interface ColumnReference {
  /** The column name's span in the compiled SQL. */
  span: Span;
  name: string;
  /** The qualifier as written (`o` in `o.id`), if any. */
  qualifier?: string;
  /** The relation (alias or CTE) it resolved to in its scope. */
  relation?: string;
  type?: string;
  /** Upstream node columns it reads (absent: it could not be resolved). */
  from?: ColumnRefId[];
}

/** A relation in a FROM clause: what `alias.` completes to. */
export interface ScopeRelation {
  alias: string;
  /** The node it reads, when it is a model, seed, snapshot or source. */
  nodeId?: string;
  /** A CTE or subquery name, when it is one. */
  cte?: string;
  columns: OutputColumn[] | undefined;
}

export interface QueryScope {
  /** Compiled-SQL span of the SELECT (approximate: from its first to its last token). */
  span: Span;
  relations: ScopeRelation[];
}

/** A `*` in a select list and the columns it stands for. */
export interface StarExpansion {
  /** The `*` (or `alias.*`) in the compiled SQL. */
  span: Span;
  qualifier?: string;
  /** Column names as they must be written in the select list (qualified where needed). */
  columns: string[];
  /** Has EXCLUDE/REPLACE/RENAME/COLUMNS(): not offered for expansion. */
  modified: boolean;
}

/** What the engine's parse tree says about one compiled query. */
export interface QueryInfo {
  references: ColumnReference[];
  scopes: QueryScope[];
  stars: StarExpansion[];
  /** Output columns' upstream columns, positionally (undefined where a column could not be traced). */
  lineage: Array<ColumnRefId[] | undefined>;
  /** Output column names as the parse tree gives them (undefined when a `*` cannot be expanded); the binder's names win. */
  outputNames: string[] | undefined;
  /**
   * Where each output column's name is written in the compiled SQL: its alias (`as x`), or the
   * column reference it passes through unaliased; undefined where not written (a `*`, an expression).
   */
  outputSpans: Array<{ span: Span; aliased: boolean } | undefined>;
}

export interface NodeColumns {
  nodeId: string;
  origin: ColumnOrigin;
  /**
   * Engine-exact: the target engine computed the columns over inputs that are themselves exact.
   * Only exact nodes ever produce diagnostics.
   */
  exact: boolean;
  /** Undefined when unknown. */
  columns: OutputColumn[] | undefined;
  /** Why the columns are unknown or not exact, for display. */
  note?: string;
  /** How lineage was traced: DuckDB's own parse tree against this model, a third-party parser (not exact), or not at all. */
  lineage: 'engine' | 'parser' | 'none';
  /** The compiled SQL that was bound (models, snapshots). */
  sql?: string;
  /** The template region the SQL was rendered from (a snapshot block's inside), for the span map. */
  region?: Span;
  /** The model file's text the SQL was compiled from. */
  template?: string;
  query?: QueryInfo;
  /** The engine's findings in this node's SQL, positioned in its file. */
  problems: Diagnostic[];
}

/** Names and types, for telling whether a node's columns changed (what its children must re-bind for). */
export function columnsSignature(entry: Pick<NodeColumns, 'columns' | 'exact'> | undefined): string {
  if (!entry?.columns) return entry ? `?${entry.exact ? 1 : 0}` : '-';
  let s = entry.exact ? 'x' : 'y';
  for (const c of entry.columns) s += `\u0000${c.name}\u0001${c.type ?? ''}`;
  return s;
}

export class ColumnModel {
  private byFile: Map<string, Diagnostic[]> | undefined;
  private readonly nodes: ReadonlyMap<string, NodeColumns | undefined>;
  private readonly base: ColumnModel | undefined;
  private readonly depth: number;
  private counts: { nodes: number; exact: number } | undefined;

  constructor(
    /** Increases with every refresh of the service that made it. */
    readonly version: number,
    /** The analysis version it was computed for. */
    readonly analysisVersion: number,
    /** The target's adapter type and name. */
    readonly target: { type: string; name: string },
    /** Whether an exact binder is behind it (DuckDB, or Databricks with DESCRIBE QUERY opted in). */
    readonly engineExact: boolean,
    nodes: ReadonlyMap<string, NodeColumns | undefined>,
    /** The version this one changes (its entries are shared, not copied: an edit costs what it changed). */
    base?: ColumnModel,
  ) {
    this.nodes = nodes;
    this.base = base;
    this.depth = base ? base.depth + 1 : 0;
  }

  get(nodeId: string): NodeColumns | undefined {
    for (let m: ColumnModel | undefined = this; m; m = m.base) if (m.nodes.has(nodeId)) return m.nodes.get(nodeId);
    return undefined;
  }

  columnsOf(nodeId: string): OutputColumn[] | undefined {
    return this.get(nodeId)?.columns;
  }

  /** Every entry once (the newest version of each). */
  *entries(): IterableIterator<NodeColumns> {
    const seen = new Set<string>();
    for (let m: ColumnModel | undefined = this; m; m = m.base) {
      for (const [id, entry] of m.nodes) {
        if (seen.has(id)) continue;
        seen.add(id);
        if (entry) yield entry;
      }
    }
  }

  get size(): number {
    return this.stats().nodes;
  }

  /** How many nodes, and how many exactly bound (counted from the version it changes, not over every node). */
  stats(): { nodes: number; exact: number } {
    if (!this.counts) {
      if (this.base) {
        const counts = { ...this.base.stats() };
        for (const [id, entry] of this.nodes) {
          const old = this.base.get(id);
          counts.nodes += (entry ? 1 : 0) - (old ? 1 : 0);
          counts.exact += (entry?.exact ? 1 : 0) - (old?.exact ? 1 : 0);
        }
        this.counts = counts;
      } else {
        const counts = { nodes: 0, exact: 0 };
        for (const e of this.nodes.values()) {
          counts.nodes += e ? 1 : 0;
          counts.exact += e?.exact ? 1 : 0;
        }
        this.counts = counts;
      }
    }
    return this.counts;
  }

  /** A new version: these entries replaced (undefined removes one), the rest shared. */
  with(changes: ReadonlyMap<string, NodeColumns | undefined>, version: number, analysisVersion: number, replaceAll = false): ColumnModel {
    if (replaceAll) return new ColumnModel(version, analysisVersion, this.target, this.engineExact, new Map([...changes].filter(([, e]) => e !== undefined)));
    if (this.depth >= 16) {
      // A long chain of small versions is folded into one map now and then: the oldest map copied, the rest applied in order.
      const chain: ColumnModel[] = [];
      for (let m: ColumnModel | undefined = this; m; m = m.base) chain.push(m);
      const flat = new Map(chain[chain.length - 1]!.nodes);
      for (let i = chain.length - 2; i >= 0; i--) for (const [id, e] of chain[i]!.nodes) flat.set(id, e);
      for (const [id, e] of changes) flat.set(id, e);
      return new ColumnModel(version, analysisVersion, this.target, this.engineExact, flat);
    }
    return new ColumnModel(version, analysisVersion, this.target, this.engineExact, new Map(changes), this);
  }

  /** Diagnostics of every node, by file (a version derives them from the one it changes). */
  problemsByFile(): Map<string, Diagnostic[]> {
    if (this.byFile) return this.byFile;
    const out = new Map<string, Diagnostic[]>();
    if (this.base) {
      for (const [file, list] of this.base.problemsByFile()) out.set(file, list);
      for (const [id, entry] of this.nodes) {
        const old = this.base.get(id)?.problems ?? [];
        for (const d of old) {
          const list = out.get(d.file)?.filter((x) => x !== d) ?? [];
          if (list.length) out.set(d.file, list);
          else out.delete(d.file);
        }
        for (const d of entry?.problems ?? []) out.set(d.file, [...(out.get(d.file) ?? []), d]);
      }
    } else {
      for (const entry of this.nodes.values()) for (const d of entry?.problems ?? []) out.set(d.file, [...(out.get(d.file) ?? []), d]);
    }
    this.byFile = out;
    return out;
  }
}
