/** Databricks as dbt-databricks renders it: `backtick`-quoted catalog.schema.table and its macro overrides. */
import { joinRelation, type Dialect } from './dialect';
import { defaultMacros, list, macro, s } from './macros-common';

export function createDatabricksDialect(): Dialect {
  const dialect: Dialect = {
    type: 'databricks',
    quoteIdentifier: (name) => `\`${name.replace(/`/g, '``')}\``,
    // Backslash is an escape character in Databricks/Spark literals; '' would concatenate two literals.
    stringLiteral: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    textType: 'string',
    // dbt-databricks lower-cases relation names (Unity Catalog names are case-insensitive).
    renderRelation: (database, schema, identifier, quote) => joinRelation(dialect.quoteIdentifier, database?.toLowerCase(), schema?.toLowerCase(), identifier.toLowerCase(), quote),
    macros: {},
  };
  const collected = (measure: unknown, limit: unknown): string => (limit ? `slice(collect_list(${s(measure)}), 1, ${s(limit)})` : `collect_list(${s(measure)})`);
  Object.assign(
    dialect.macros,
    defaultMacros({ string: 'string', timestamp: 'timestamp', float: 'float', numeric: 'decimal(28,6)', bigint: 'bigint', int: 'integer', boolean: 'boolean' }, dialect),
    {
      any_value: macro('any_value', ['expression'], (a) => `first(${s(a.expression)})`),
      array_construct: macro('array_construct', [{ name: 'inputs', default: [] }, { name: 'data_type', default: 'integer' }], (a) => `array( ${list(a.inputs).map(s).join(' , ')} )`),
      array_concat: macro('array_concat', ['array_1', 'array_2'], (a) => `concat(${s(a.array_1)}, ${s(a.array_2)})`),
      array_append: macro('array_append', ['array', 'new_element'], (a) => dialect.macros.array_concat!(a.array, dialect.macros.array_construct!([a.new_element]))),
      bool_or: macro('bool_or', ['expression'], (a) => `max(${s(a.expression)})`),
      concat: macro('concat', ['fields'], (a) => `concat(${(Array.isArray(a.fields) ? a.fields.map(s) : [s(a.fields)]).join(', ')})`),
      escape_single_quotes: macro('escape_single_quotes', ['expression'], (a) => s(a.expression).replace(/'/g, "\\'")),
      // Databricks runtimes with timestampadd/timestampdiff (every current SQL warehouse; Spark 3.3+).
      dateadd: macro('dateadd', ['datepart', 'interval', 'from_date_or_timestamp'], (a) => `timestampadd(${s(a.datepart)}, ${s(a.interval)}, ${s(a.from_date_or_timestamp)})`),
      datediff: macro('datediff', ['first_date', 'second_date', 'datepart'], (a) => {
        const trunc = dialect.macros.date_trunc!;
        return `timestampdiff(${s(a.datepart)}, ${s(trunc(a.datepart, a.first_date))}, ${s(trunc(a.datepart, a.second_date))})`;
      }),
      listagg: macro('listagg', ['measure', { name: 'delimiter_text', default: "','" }, { name: 'order_by_clause', default: null }, { name: 'limit_num', default: null }], (a) => `array_join(${collected(a.measure, a.limit_num)}, ${s(a.delimiter_text)})`),
      split_part: macro('split_part', ['string_text', 'delimiter_text', 'part_number'], (a) => {
        // dbt-databricks writes this comment into the SQL, so it stays (on its own line).
        const delimiter = `\n-- escape if starts with a special character\ncase when regexp_extract(${s(a.delimiter_text)}, '([^A-Za-z0-9])(.*)', 1) != '_' then concat('\\\\', ${s(a.delimiter_text)}) else ${s(a.delimiter_text)} end\n`;
        const part = Number(a.part_number);
        if (part >= 0) return `get(split(${s(a.string_text)}, ${delimiter}), ${part > 0 ? part - 1 : part})`;
        return `get(split(${s(a.string_text)}, ${delimiter}), length(${s(a.string_text)}) - length(replace(${s(a.string_text)}, ${s(a.delimiter_text)}, '')) + 1 + ${part})`;
      }),
      date: macro('date', ['year', 'month', 'day'], (a) => `to_date('${s(a.year)}-${String(a.month).padStart(2, '0')}-${String(a.day).padStart(2, '0')}', 'yyyy-MM-dd')`),
      current_timestamp: macro('current_timestamp', [], () => 'current_timestamp()'),
      // dbt-spark's assert_not_null: fails the query when the function gives null.
      assert_not_null: macro('assert_not_null', ['function', 'arg'], (a) => {
        const call = `${s(a.function)}(${s(a.arg)})`;
        return `coalesce(${call}, nvl2(${call}, assert_true(${call} is not null), null))`;
      }),
    },
  );
  return dialect;
}
