/**
 * What compilation needs to know about a warehouse: identifier quoting, relation rendering and
 * dbt's cross-database macros as that adapter renders them. Pure text; no connections.
 * Materialization SQL (DDL/DML) lives with the engines, not here.
 */

export type CrossDbMacro = (...args: unknown[]) => unknown;

export interface Dialect {
  /** dbt adapter type: `duckdb`, `databricks`, `snowflake`, `bigquery`, `trino`, ... */
  readonly type: string;
  quoteIdentifier(name: string): string;
  /** A string literal holding `value` exactly (escaping differs: DuckDB doubles quotes, Spark uses backslashes). */
  stringLiteral(value: string): string;
  /** The type name of text columns (`varchar`, `string`). */
  readonly textType: string;
  /** Relation text: each part quoted unless the policy says otherwise; empty parts omitted. */
  renderRelation(database: string | undefined, schema: string | undefined, identifier: string, quote?: QuotePolicy): string;
  /** dbt's cross-database macros (`dbt.date_trunc` ...) for this adapter. */
  readonly macros: Record<string, CrossDbMacro>;
  /** The adapter's own quoting before any `quoting:` config (its Relation's quote_policy); all parts when absent. */
  readonly quotePolicy?: QuotePolicy;
}

export function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** dbt's `quoting:` config: which relation parts are quoted (all, by default). */
export interface QuotePolicy {
  database: boolean;
  schema: boolean;
  identifier: boolean;
}

export const QUOTE_ALL: QuotePolicy = { database: true, schema: true, identifier: true };

/** Joins the present parts of a relation, quoting those the policy asks for. */
export function joinRelation(quote: (name: string) => string, database: string | undefined, schema: string | undefined, identifier: string, policy: QuotePolicy = QUOTE_ALL): string {
  const parts: string[] = [];
  if (database) parts.push(policy.database ? quote(database) : database);
  if (schema) parts.push(policy.schema ? quote(schema) : schema);
  parts.push(policy.identifier ? quote(identifier) : identifier);
  return parts.join('.');
}
