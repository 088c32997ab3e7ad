/** dbt's Relation as seen from Jinja: renders as the quoted name, exposes its parts. */
import { QUOTE_ALL, type Dialect, type QuotePolicy } from './dialect';
import { splitArgs } from './python';

export type RelationType = 'table' | 'view' | 'cte' | 'external' | 'materialized_view' | null;

export class Relation {
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

  render(): string {
    if (this.type === 'cte' || this.type === 'external') return this.identifier;
    return this.dialect.renderRelation(this.parts.database ? this.database : undefined, this.parts.schema ? this.schema : undefined, this.identifier, this.quotePolicy);
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
}
