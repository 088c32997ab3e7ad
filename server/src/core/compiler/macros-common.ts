/**
 * dbt's cross-database macros as dbt-adapters' default implementations render them. Each adapter
 * dialect starts from these and overrides what its dbt adapter overrides. Whitespace is not
 * reproduced (parity with dbt is measured whitespace aside); tokens are.
 */
import type { CrossDbMacro } from './dialect';
import { columnApi } from './builtins';
import { bindArgs, isNone, type Param } from './python';

/** Wraps an implementation with Python-style argument binding under dbt's parameter names. */
export function macro(name: string, params: Array<string | Param>, impl: (a: Record<string, unknown>) => unknown): CrossDbMacro {
  const spec = params.map((p) => (typeof p === 'string' ? { name: p } : p));
  return (...args: unknown[]) => impl(bindArgs(name, spec, args));
}

export const s = (v: unknown): string => (isNone(v) ? '' : String(v));

export interface TypeNames {
  string: string;
  timestamp: string;
  float: string;
  numeric: string;
  bigint: string;
  int: string;
  boolean: string;
}

export function defaultMacros(types: TypeNames, dialect: { macros: Record<string, CrossDbMacro> }): Record<string, CrossDbMacro> {
  const m = (): Record<string, CrossDbMacro> => dialect.macros;
  const call = (name: string, ...args: unknown[]): string => s(m()[name]!(...args));
  return {
    any_value: macro('any_value', ['expression'], (a) => `any_value(${s(a.expression)})`),
    bool_or: macro('bool_or', ['expression'], (a) => `bool_or(${s(a.expression)})`),
    cast: macro('cast', ['field', 'type'], (a) => `cast(${s(a.field)} as ${s(a.type)})`),
    safe_cast: macro('safe_cast', ['field', 'type'], (a) => `cast(${s(a.field)} as ${s(a.type)})`),
    cast_bool_to_text: macro('cast_bool_to_text', ['field'], (a) => `cast(${s(a.field)} as ${types.string})`),
    concat: macro('concat', ['fields'], (a) => (Array.isArray(a.fields) ? a.fields.map(s) : [s(a.fields)]).join(' || ')),
    date_trunc: macro('date_trunc', ['datepart', 'date'], (a) => `date_trunc('${s(a.datepart)}', ${s(a.date)})`),
    dateadd: macro('dateadd', ['datepart', 'interval', 'from_date_or_timestamp'], (a) => `dateadd(${s(a.datepart)}, ${s(a.interval)}, ${s(a.from_date_or_timestamp)})`),
    datediff: macro('datediff', ['first_date', 'second_date', 'datepart'], (a) => `datediff(${s(a.datepart)}, ${s(a.first_date)}, ${s(a.second_date)})`),
    escape_single_quotes: macro('escape_single_quotes', ['expression'], (a) => s(a.expression).replace(/'/g, "''")),
    string_literal: macro('string_literal', ['value'], (a) => `'${s(a.value)}'`),
    hash: macro('hash', ['field'], (a) => `md5(cast(${s(a.field)} as ${types.string}))`),
    length: macro('length', ['expression'], (a) => `length(${s(a.expression)})`),
    position: macro('position', ['substring_text', 'string_text'], (a) => `position(${s(a.substring_text)} in ${s(a.string_text)})`),
    replace: macro('replace', ['field', 'old_chars', 'new_chars'], (a) => `replace(${s(a.field)}, ${s(a.old_chars)}, ${s(a.new_chars)})`),
    right: macro('right', ['string_text', 'length_expression'], (a) => `right(${s(a.string_text)}, ${s(a.length_expression)})`),
    split_part: macro('split_part', ['string_text', 'delimiter_text', 'part_number'], (a) => `split_part(${s(a.string_text)}, ${s(a.delimiter_text)}, ${s(a.part_number)})`),
    listagg: macro('listagg', ['measure', { name: 'delimiter_text', default: "','" }, { name: 'order_by_clause', default: null }, { name: 'limit_num', default: null }], (a) =>
      isNone(a.limit_num) || !a.limit_num
        ? `listagg(${s(a.measure)}, ${s(a.delimiter_text)})${a.order_by_clause ? ` within group (${s(a.order_by_clause)})` : ''}`
        : `array_to_string(array_slice(array_agg(${s(a.measure)})${a.order_by_clause ? ` within group (${s(a.order_by_clause)})` : ''}, 0, ${s(a.limit_num)}), ${s(a.delimiter_text)})`,
    ),
    last_day: macro('last_day', ['date', 'datepart'], (a) => `cast(${call('dateadd', 'day', '-1', call('dateadd', a.datepart, '1', call('date_trunc', a.datepart, a.date)))} as date)`),
    date: macro('date', ['year', 'month', 'day'], (a) => `to_date('${s(a.year)}-${pad2(a.month)}-${pad2(a.day)}', 'YYYY-MM-DD')`),
    except: macro('except', [], () => 'except'),
    intersect: macro('intersect', [], () => 'intersect'),
    // Without the enable_truthy_nulls_equals_macro behavior flag (off by default).
    equals: macro('equals', ['expr1', 'expr2'], (a) => `(${s(a.expr1)} = ${s(a.expr2)})`),
    array_construct: macro('array_construct', [{ name: 'inputs', default: [] }, { name: 'data_type', default: types.int }], (a) =>
      list(a.inputs).length > 0 ? `array[ ${list(a.inputs).map(s).join(' , ')} ]` : `array[]::${s(a.data_type)}[]`,
    ),
    array_concat: macro('array_concat', ['array_1', 'array_2'], (a) => `array_cat(${s(a.array_1)}, ${s(a.array_2)})`),
    array_append: macro('array_append', ['array', 'new_element'], (a) => `array_append(${s(a.array)}, ${s(a.new_element)})`),
    type_string: macro('type_string', [], () => types.string),
    type_timestamp: macro('type_timestamp', [], () => types.timestamp),
    type_float: macro('type_float', [], () => types.float),
    type_numeric: macro('type_numeric', [], () => types.numeric),
    type_bigint: macro('type_bigint', [], () => types.bigint),
    type_int: macro('type_int', [], () => types.int),
    type_boolean: macro('type_boolean', [], () => types.boolean),
    current_timestamp: macro('current_timestamp', [], () => 'current_timestamp'),
    // dbt_utils-era timestamps (dbt's default__current_timestamp_backcompat; in UTC is the same by default).
    current_timestamp_backcompat: macro('current_timestamp_backcompat', [], () => 'current_timestamp::timestamp'),
    current_timestamp_in_utc_backcompat: macro('current_timestamp_in_utc_backcompat', [], () => 'current_timestamp::timestamp'),
  };
}

/** A Jinja list argument as an array (a tuple or list; anything else is one item, none is empty). */
export function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return isNone(v) ? [] : [v];
}

/** dbt's default type_* macros: api.Column's own names for the adapter (global_project data_types.sql). */
export function columnTypes(adapter: string): TypeNames {
  const column = columnApi(adapter) as { translate_type: (t: string) => string; numeric_type: (t: string, p: number, s: number) => string };
  const t = column.translate_type;
  return { string: t('string'), timestamp: t('timestamp'), float: t('float'), numeric: column.numeric_type('numeric', 28, 6), bigint: t('bigint'), int: t('integer'), boolean: t('boolean') };
}

function pad2(v: unknown): string {
  return String(v).padStart(2, '0');
}
