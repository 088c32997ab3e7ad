/**
 * BigQuery as dbt-bigquery renders it, for compiling only (Medallion does not run on BigQuery):
 * `backtick`-quoted project.dataset.table, dbt's default cross-database macros with
 * dbt-bigquery's overrides.
 */
import { joinRelation, type Dialect } from './dialect';
import { columnTypes, defaultMacros, list, macro, s } from './macros-common';

export function createBigQueryDialect(): Dialect {
  const dialect: Dialect = {
    type: 'bigquery',
    quoteIdentifier: (name) => `\`${name.replace(/`/g, '\\`')}\``,
    stringLiteral: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    textType: 'string',
    renderRelation: (database, schema, identifier, quote) => joinRelation(dialect.quoteIdentifier, database, schema, identifier, quote),
    macros: {},
  };
  const types = columnTypes('bigquery');
  const m = dialect.macros;
  const lower = (v: unknown): string => s(v).toLowerCase();
  // dbt-bigquery's cast_from_string_unsupported_for: such values are cast from the bare text.
  const castFromStringUnsupported = (type: unknown): boolean => lower(type).startsWith('struct') || lower(type) === 'geography';
  const unquoted = (v: unknown): string => s(v).replace(/^"+|"+$/g, '').replace(/^'+|'+$/g, '');
  Object.assign(m, defaultMacros(types, dialect), {
    array_construct: macro('array_construct', [{ name: 'inputs', default: [] }, { name: 'data_type', default: types.int }], (a) =>
      list(a.inputs).length > 0 ? `[ ${list(a.inputs).map(s).join(' , ')} ]` : `ARRAY<${s(a.data_type)}>[]`,
    ),
    array_concat: macro('array_concat', ['array_1', 'array_2'], (a) => `array_concat(${s(a.array_1)}, ${s(a.array_2)})`),
    array_append: macro('array_append', ['array', 'new_element'], (a) => m.array_concat!(a.array, m.array_construct!([a.new_element]))),
    bool_or: macro('bool_or', ['expression'], (a) => `logical_or(${s(a.expression)})`),
    date: macro('date', ['year', 'month', 'day'], (a) => `date(${s(a.year)}, ${s(a.month)}, ${s(a.day)})`),
    date_trunc: macro('date_trunc', ['datepart', 'date'], (a) => `timestamp_trunc( cast(${s(a.date)} as timestamp), ${s(a.datepart)} )`),
    dateadd: macro('dateadd', ['datepart', 'interval', 'from_date_or_timestamp'], (a) => `datetime_add( cast( ${s(a.from_date_or_timestamp)} as datetime), interval ${s(a.interval)} ${s(a.datepart)} )`),
    // dbt-bigquery's version test compares dbt_version's characters with integers: never true, so datetime_diff.
    datediff: macro('datediff', ['first_date', 'second_date', 'datepart'], (a) => `datetime_diff( cast(${s(a.second_date)} as datetime), cast(${s(a.first_date)} as datetime), ${s(a.datepart)} )`),
    escape_single_quotes: macro('escape_single_quotes', ['expression'], (a) => s(a.expression).replace(/'/g, "\\'")),
    except: macro('except', [], () => 'except distinct'),
    intersect: macro('intersect', [], () => 'intersect distinct'),
    hash: macro('hash', ['field'], (a) => `to_hex(md5(cast(${s(a.field)} as ${types.string})))`),
    listagg: macro('listagg', ['measure', { name: 'delimiter_text', default: "','" }, { name: 'order_by_clause', default: null }, { name: 'limit_num', default: null }], (a) =>
      `string_agg( ${s(a.measure)}, ${s(a.delimiter_text)} ${a.order_by_clause ? s(a.order_by_clause) : ''} ${a.limit_num ? `limit ${s(a.limit_num)}` : ''} )`,
    ),
    position: macro('position', ['substring_text', 'string_text'], (a) => `strpos( ${s(a.string_text)}, ${s(a.substring_text)} )`),
    right: macro('right', ['string_text', 'length_expression'], (a) => `case when ${s(a.length_expression)} = 0 then '' else substr( ${s(a.string_text)}, -1 * (${s(a.length_expression)}) ) end`),
    safe_cast: macro('safe_cast', ['field', 'type'], (a) => {
      const type = lower(a.type);
      if (type.startsWith('array') && Array.isArray(a.field) && a.field.length > 0) {
        const nested = type.slice(6, -1);
        if (castFromStringUnsupported(nested)) return `(select array_agg(safe_cast(i as ${nested})) from unnest([ ${a.field.map(unquoted).join(', ')} ]) i)`;
        return `(select array_agg(safe_cast(i as ${nested})) from unnest(${s(a.field)}) i)`;
      }
      if (castFromStringUnsupported(a.type) && typeof a.field === 'string') return `safe_cast(${unquoted(a.field)} as ${s(a.type)})`;
      return `safe_cast(${s(a.field)} as ${s(a.type)})`;
    }),
    split_part: macro('split_part', ['string_text', 'delimiter_text', 'part_number'], (a) => {
      const part = Number(a.part_number);
      const text = s(a.string_text);
      const delimiter = s(a.delimiter_text);
      if (part >= 0) return `split( ${text}, ${delimiter} )[safe_offset(${part - 1})]`;
      return `split( ${text}, ${delimiter} )[safe_offset( length(${text}) - length( replace(${text}, ${delimiter}, '') ) + 1 + ${part} )]`;
    }),
    string_literal: macro('string_literal', ['value'], (a) => `'''${s(a.value)}'''`),
    current_timestamp: macro('current_timestamp', [], () => 'current_timestamp()'),
    current_timestamp_backcompat: macro('current_timestamp_backcompat', [], () => 'current_timestamp'),
    current_timestamp_in_utc_backcompat: macro('current_timestamp_in_utc_backcompat', [], () => 'current_timestamp'),
  });
  return dialect;
}
