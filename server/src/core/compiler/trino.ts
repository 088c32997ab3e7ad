/**
 * Trino as dbt-trino renders it, for compiling only (Medallion does not run on Trino):
 * "double-quoted" catalog.schema.table, dbt's default cross-database macros with dbt-trino's
 * overrides.
 */
import { joinRelation, type Dialect } from './dialect';
import { columnTypes, defaultMacros, list, macro, s } from './macros-common';

export function createTrinoDialect(): Dialect {
  const dialect: Dialect = {
    type: 'trino',
    quoteIdentifier: (name) => `"${name.replace(/"/g, '""')}"`,
    stringLiteral: (value) => `'${value.replace(/'/g, "''")}'`,
    textType: 'varchar',
    renderRelation: (database, schema, identifier, quote) => joinRelation(dialect.quoteIdentifier, database, schema, identifier, quote),
    macros: {},
  };
  const m = dialect.macros;
  const ts = (v: unknown): string => `CAST(${s(v)} AS TIMESTAMP)`;
  const datediff = (first: string, second: string, part: string): string => {
    const diff = (p: string): string => datediff(first, second, p);
    switch (part) {
      case 'year':
        return `(year(${ts(second)}) - year(${ts(first)}))`;
      case 'quarter':
        return `(${diff('year')} * 4) + quarter(${ts(second)}) - quarter(${ts(first)})`;
      case 'month':
        return `(${diff('year')} * 12) + month(${ts(second)}) - month(${ts(first)})`;
      case 'day':
        return `((to_milliseconds((CAST(${ts(second)} AS DATE) - CAST(${ts(first)} AS DATE)))) / 86400000)`;
      case 'week':
        return `(${diff('day')} / 7 + case when dow(${ts(first)}) <= dow(${ts(second)}) then case when ${first} <= ${second} then 0 else -1 end else case when ${first} <= ${second} then 1 else 0 end end)`;
      case 'hour':
        return `(${diff('day')} * 24 + hour(${ts(second)}) - hour(${ts(first)}))`;
      case 'minute':
        return `(${diff('hour')} * 60 + minute(${ts(second)}) - minute(${ts(first)}))`;
      case 'second':
        return `(${diff('minute')} * 60 + second(${ts(second)}) - second(${ts(first)}))`;
      case 'millisecond':
        return `(to_milliseconds((${ts(second)} - ${ts(first)})))`;
      default:
        throw new Error(`Compilation Error: Unsupported datepart for macro datediff in Trino: '${part}'`);
    }
  };
  Object.assign(
    m,
    // dbt's defaults use api.Column's names (cast_bool_to_text: VARCHAR); dbt-trino's type macros its own.
    defaultMacros(columnTypes('trino'), dialect),
    {
      type_string: macro('type_string', [], () => 'varchar'),
      type_float: macro('type_float', [], () => 'double'),
      type_numeric: macro('type_numeric', [], () => 'decimal(28, 6)'),
      type_int: macro('type_int', [], () => 'integer'),
      any_value: macro('any_value', ['expression'], (a) => `min(${s(a.expression)})`),
      array_construct: macro('array_construct', [{ name: 'inputs', default: [] }, { name: 'data_type', default: 'integer' }], (a) =>
        list(a.inputs).length > 0 ? `array[ ${list(a.inputs).map(s).join(' , ')} ]` : 'null',
      ),
      array_concat: macro('array_concat', ['array_1', 'array_2'], (a) => `concat(${s(a.array_1)}, ${s(a.array_2)})`),
      array_append: macro('array_append', ['array', 'new_element'], (a) => m.array_concat!(a.array, m.array_construct!([a.new_element]))),
      dateadd: macro('dateadd', ['datepart', 'interval', 'from_date_or_timestamp'], (a) => `date_add('${s(a.datepart)}', ${s(a.interval)}, ${s(a.from_date_or_timestamp)})`),
      datediff: macro('datediff', ['first_date', 'second_date', 'datepart'], (a) => datediff(s(a.first_date), s(a.second_date), s(a.datepart))),
      hash: macro('hash', ['field'], (a) => `lower(to_hex(md5(to_utf8(cast(${s(a.field)} as varchar)))))`),
      listagg: macro('listagg', ['measure', { name: 'delimiter_text', default: "','" }, { name: 'order_by_clause', default: null }, { name: 'limit_num', default: null }], (a) => {
        const collected = `array_agg(${s(a.measure)} ${a.order_by_clause ? s(a.order_by_clause) : ''})`;
        return `array_join(${a.limit_num ? `slice(${collected}, 1, ${s(a.limit_num)})` : collected}, ${s(a.delimiter_text)})`;
      }),
      right: macro('right', ['string_text', 'length_expression'], (a) => `case when ${s(a.length_expression)} = 0 then '' else substr(${s(a.string_text)}, -1 * (${s(a.length_expression)})) end`),
      safe_cast: macro('safe_cast', ['field', 'type'], (a) => `try_cast(${s(a.field)} as ${s(a.type)})`),
      split_part: macro('split_part', ['string_text', 'delimiter_text', 'part_number'], (a) => {
        const text = s(a.string_text);
        const delimiter = s(a.delimiter_text);
        if (Number(a.part_number) >= 0) return `split_part( ${text}, ${delimiter}, ${s(a.part_number)} )`;
        return `split_part( ${text}, ${delimiter}, length(${text}) - length( replace(${text}, ${delimiter}, '') ) + 2 + ${s(a.part_number)} )`;
      }),
    },
  );
  return dialect;
}
