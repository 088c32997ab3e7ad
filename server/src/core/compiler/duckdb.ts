/** DuckDB as dbt-duckdb renders it: "double-quoted" relations and its cross-database macro overrides. */
import { joinRelation, type Dialect } from './dialect';
import { defaultMacros, macro, s } from './macros-common';

export function createDuckDbDialect(): Dialect {
  const dialect: Dialect = {
    type: 'duckdb',
    quoteIdentifier: (name) => (name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`),
    stringLiteral: (value) => `'${value.replace(/'/g, "''")}'`,
    textType: 'varchar',
    renderRelation: (database, schema, identifier, quote) => joinRelation(dialect.quoteIdentifier, database, schema, identifier, quote),
    macros: {},
  };
  Object.assign(
    dialect.macros,
    defaultMacros({ string: 'TEXT', timestamp: 'timestamp', float: 'float', numeric: 'numeric(28,6)', bigint: 'bigint', int: 'integer', boolean: 'boolean' }, dialect),
    {
      any_value: macro('any_value', ['expression'], (a) => `arbitrary(${s(a.expression)})`),
      date: macro('date', ['year', 'month', 'day'], (a) => `make_date(${s(a.year)}, ${s(a.month)}, ${s(a.day)})`),
      dateadd: macro('dateadd', ['datepart', 'interval', 'from_date_or_timestamp'], (a) => {
        const unit = s(a.datepart).toLowerCase();
        const from = s(a.from_date_or_timestamp);
        if (unit === 'quarter') return `(${from} + (cast(${s(a.interval)} as bigint) * 3) * interval 1 month)`;
        if (unit === 'week') return `(${from} + (cast(${s(a.interval)} as bigint) * 7) * interval 1 day)`;
        return `(${from} + cast(${s(a.interval)} as bigint) * interval 1 ${unit})`;
      }),
      datediff: macro('datediff', ['first_date', 'second_date', 'datepart'], (a) => {
        const first = s(a.first_date);
        const second = s(a.second_date);
        if (s(a.datepart) === 'week') {
          return `(${dialect.macros.datediff!(first, second, 'day')} // 7 + case when date_part('dow', (${first})::timestamp) <= date_part('dow', (${second})::timestamp) then case when ${first} <= ${second} then 0 else -1 end else case when ${first} <= ${second} then 1 else 0 end end)`;
        }
        return `(date_diff('${s(a.datepart)}', ${first}::timestamp, ${second}::timestamp ))`;
      }),
      listagg: macro('listagg', ['measure', { name: 'delimiter_text', default: "','" }, { name: 'order_by_clause', default: null }, { name: 'limit_num', default: null }], (a) =>
        a.limit_num
          ? `list_aggr((array_agg(${s(a.measure)} ${a.order_by_clause ? s(a.order_by_clause) : ''}))[1:${s(a.limit_num)}], 'string_agg', ${s(a.delimiter_text)})`
          : `string_agg(${s(a.measure)}, ${s(a.delimiter_text)} ${a.order_by_clause ? s(a.order_by_clause) : ''})`,
      ),
      split_part: macro('split_part', ['string_text', 'delimiter_text', 'part_number'], (a) => `string_split(${s(a.string_text)}, ${s(a.delimiter_text)})[ ${s(a.part_number)} ]`),
      last_day: macro('last_day', ['date', 'datepart'], (a) => {
        const m = dialect.macros;
        const dt = s(m.date_trunc!(a.datepart, a.date));
        if (s(a.datepart) === 'quarter') return `-- duckdb dateadd does not support quarter interval.\n    cast(${s(m.dateadd!('day', '-1', m.dateadd!('month', '3', dt)))} as date)`;
        return `cast(${s(m.dateadd!('day', '-1', m.dateadd!(a.datepart, '1', dt)))} as date)`;
      }),
      current_timestamp: macro('current_timestamp', [], () => 'now()'),
    },
  );
  return dialect;
}
