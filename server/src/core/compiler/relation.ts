/** dbt's Relation as seen from Jinja: renders as the quoted name, exposes its parts. */
import { HOST_KEY, HOST_MAPPING } from '../jinja';
import { QUOTE_ALL, type Dialect, type QuotePolicy } from './dialect';
import { splitArgs } from './python';

export type RelationType = 'table' | 'view' | 'cte' | 'external' | 'materialized_view' | null;

export class Relation {
  /** dbt's Relation is a mapping too: packages check `relation is mapping` and read `relation.get('metadata')`. */
  readonly [HOST_MAPPING] = true;

  /** Hashable, like dbt's frozen Relation: usable as a dict key. */
  [HOST_KEY](): string {
    return `Relation ${this.render()}`;
  }

  constructor(
    readonly dialect: Dialect,
    readonly database: string | undefined,
    readonly schema: string | undefined,
    readonly identifier: string,
    readonly type: RelationType = null,
    private readonly parts: { database: boolean; schema: boolean; identifier: boolean } = { database: true, schema: true, identifier: true },
    readonly quotePolicy: QuotePolicy = QUOTE_ALL,
  ) {}

  get name(): string {
    return this.identifier;
  }

  /** dbt's `relation.get(key, default)` (the dict interface of its dataclass). */
  get(key: unknown, fallback: unknown = null): unknown {
    switch (String(key)) {
      case 'metadata':
        return { type: `${relationClassPrefix(this.dialect.type)}Relation` };
      case 'database':
        return this.database ?? null;
      case 'schema':
        return this.schema ?? null;
      case 'identifier':
        return this.identifier;
      case 'type':
        return this.type;
      case 'path':
        return { database: this.database ?? null, schema: this.schema ?? null, identifier: this.identifier };
      case 'quote_policy':
        return { ...this.quotePolicy };
      default:
        return fallback;
    }
  }
  get table(): string {
    return this.identifier;
  }
  get is_table(): boolean {
    return this.type === 'table';
  }
  get is_view(): boolean {
    return this.type === 'view';
  }
  get is_cte(): boolean {
    return this.type === 'cte';
  }

  /** The rendered name, once: a relation is immutable and a template may print it many times. */
  #rendered: string | undefined;

  render(): string {
    if (this.type === 'cte' || this.type === 'external') return this.identifier;
    return (this.#rendered ??= this.dialect.renderRelation(this.parts.database ? this.database : undefined, this.parts.schema ? this.schema : undefined, this.identifier, this.quotePolicy));
  }

  toString(): string {
    return this.render();
  }

  /** `relation.include(database=False)` */
  include(...args: unknown[]): Relation {
    const { kwargs } = splitArgs(args);
    const pick = (k: 'database' | 'schema' | 'identifier'): boolean => (k in kwargs ? Boolean(kwargs[k]) : this.parts[k]);
    return new Relation(this.dialect, this.database, this.schema, this.identifier, this.type, { database: pick('database'), schema: pick('schema'), identifier: pick('identifier') }, this.quotePolicy);
  }

  /** `relation.incorporate(path={...}, type='table')` */
  incorporate(...args: unknown[]): Relation {
    const { kwargs } = splitArgs(args);
    const path = (kwargs.path ?? {}) as Record<string, string | undefined>;
    return new Relation(
      this.dialect,
      'database' in path ? path.database : this.database,
      'schema' in path ? path.schema : this.schema,
      path.identifier ?? this.identifier,
      (kwargs.type as RelationType) ?? this.type,
      this.parts,
      this.quotePolicy,
    );
  }

  /** The same relation quoted by another policy. */
  withQuotePolicy(policy: QuotePolicy): Relation {
    return new Relation(this.dialect, this.database, this.schema, this.identifier, this.type, this.parts, policy);
  }

  quote(): Relation {
    return this;
  }

  /** `relation.replace_path(database='x')`: the same relation with some of its path replaced. */
  replace_path(...args: unknown[]): Relation {
    const { kwargs } = splitArgs(args);
    const part = (k: 'database' | 'schema'): string | undefined => (k in kwargs ? (kwargs[k] === null ? undefined : String(kwargs[k])) : this[k]);
    return new Relation(this.dialect, part('database'), part('schema'), 'identifier' in kwargs ? String(kwargs.identifier) : this.identifier, this.type, this.parts, this.quotePolicy);
  }

  /** `relation.without_identifier()`: the schema it lives in. */
  without_identifier(): Relation {
    return new Relation(this.dialect, this.database, this.schema, this.identifier, this.type, { ...this.parts, identifier: false }, this.quotePolicy);
  }
}

/** dbt-duckdb's `DuckDBRelation`, dbt-snowflake's `SnowflakeRelation`, ... */
function relationClassPrefix(type: string): string {
  const known: Record<string, string> = { duckdb: 'DuckDB', bigquery: 'BigQuery', databricks: 'Databricks', snowflake: 'Snowflake', trino: 'Trino', postgres: 'Postgres', redshift: 'Redshift', spark: 'Spark' };
  return known[type] ?? type.charAt(0).toUpperCase() + type.slice(1);
}
