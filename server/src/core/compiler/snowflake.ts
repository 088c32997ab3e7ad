/**
 * Snowflake as dbt-snowflake renders it, for compiling only (Medallion does not run on Snowflake):
 * relations unquoted unless `quoting:` asks (SnowflakeQuotePolicy), dbt's default cross-database
 * macros with dbt-snowflake's overrides.
 */
import { joinRelation, type Dialect } from './dialect';
import { columnTypes, defaultMacros, list, macro, s } from './macros-common';

export function createSnowflakeDialect(): Dialect {
  const dialect: Dialect = {
    type: 'snowflake',
    quoteIdentifier: (name) => `"${name.replace(/"/g, '""')}"`,
    stringLiteral: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    textType: 'varchar',
    renderRelation: (database, schema, identifier, quote) => joinRelation(dialect.quoteIdentifier, database, schema, identifier, quote),
    macros: {},
    quotePolicy: { database: false, schema: false, identifier: false },
  };
  const upper = (v: unknown): string => s(v).toUpperCase();
  Object.assign(dialect.macros, defaultMacros(columnTypes('snowflake'), dialect), {
    array_construct: macro('array_construct', [{ name: 'inputs', default: [] }, { name: 'data_type', default: 'integer' }], (a) => `array_construct( ${list(a.inputs).map(s).join(' , ')} )`),
    bool_or: macro('bool_or', ['expression'], (a) => `boolor_agg(${s(a.expression)})`),
    cast: macro('cast', ['field', 'type'], (a) => {
      if (upper(a.type) === 'GEOGRAPHY') return `to_geography(${s(a.field)})`;
      if (upper(a.type) === 'GEOMETRY') return `to_geometry(${s(a.field)})`;
      return `cast(${s(a.field)} as ${s(a.type)})`;
    }),
    safe_cast: macro('safe_cast', ['field', 'type'], (a) => {
      if (upper(a.type) === 'GEOMETRY') return `try_to_geometry(${s(a.field)})`;
      if (upper(a.type) === 'GEOGRAPHY') return `try_to_geography(${s(a.field)})`;
      if (upper(a.type) === 'VARIANT') return dialect.macros.cast!(a.field, a.type);
      // try_cast wants text: a number is passed as a string literal.
      const field = typeof a.field === 'number' ? dialect.macros.string_literal!(a.field) : a.field;
      return `try_cast(${s(field)} as ${s(a.type)})`;
    }),
    escape_single_quotes: macro('escape_single_quotes', ['expression'], (a) => s(a.expression).replace(/'/g, "\\'")),
    right: macro('right', ['string_text', 'length_expression'], (a) => `case when ${s(a.length_expression)} = 0 then '' else right( ${s(a.string_text)}, ${s(a.length_expression)} ) end`),
    current_timestamp: macro('current_timestamp', [], () => "convert_timezone('UTC', current_timestamp())"),
    current_timestamp_backcompat: macro('current_timestamp_backcompat', [], () => `current_timestamp::${s(dialect.macros.type_timestamp!())}`),
    current_timestamp_in_utc_backcompat: macro('current_timestamp_in_utc_backcompat', [], () => {
      const type = s(dialect.macros.type_timestamp!());
      return `convert_timezone('UTC', current_timestamp::${type})::${type}`;
    }),
  });
  return dialect;
}
