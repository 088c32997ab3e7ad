/**
 * More of dbt's rendering context, as real projects call it: fromyaml/toyaml (PyYAML semantics),
 * set/zip and their strict forms, local_md5, diff_of_two_dicts, `statement`/`load_result`,
 * `api.Column` as each adapter defines it, dbt's generate_schema_name_for_env and should_store_failures.
 */
import { createHash } from 'node:crypto';
import { MacroReturn, PyFloat, pyRepr, pyStr } from '../jinja';
import { markTuple } from '../jinja/runtime';
import { parseYaml, toJS } from '../yaml-tree';
import { resolvePlainScalar } from '../yaml-dbt';
import { storedFailures } from './generic-tests';
import { bindArgs, isNone } from './python';

export interface BuiltinsOptions {
  /** The adapter type (`duckdb`, `snowflake`, `bigquery`, `databricks`, ...). */
  adapterType: string;
  target: { name: string; schema: string };
  /** Runs SQL on the warehouse; absent when compiling without a connection. */
  runQuery?: (sql: string) => unknown;
  /** The config value of the node being rendered (`config.get(name)`); undefined when unset. */
  configValue?: (name: string) => unknown;
  /** dbt's `--store-failures` flag (run and build; off when compiling). */
  storeFailures?: boolean;
}

export function dbtBuiltins(options: BuiltinsOptions): Record<string, unknown> {
  const results = new Map<string, unknown>();
  return {
    fromyaml: (...args: unknown[]) => {
      const { value, default: fallback } = bindArgs('fromyaml', [{ name: 'value' }, { name: 'default', default: null }], args);
      const parsed = parseYaml(String(value));
      return parsed.problems.some((p) => p.severity === 'error') ? fallback : (toJS(parsed.root) ?? null);
    },
    toyaml: (...args: unknown[]) => {
      const { value, sort_keys } = bindArgs('toyaml', [{ name: 'value' }, { name: 'default', default: null }, { name: 'sort_keys', default: false }], args);
      return pythonYamlDump(value, sort_keys === true);
    },
    set_strict: (value: unknown) => {
      if (!Array.isArray(value) && typeof value !== 'string') throw new Error(`'${pyStr(value)}' is not iterable`);
      return [...new Set(Array.isArray(value) ? value : [...value])];
    },
    zip_strict: (...lists: unknown[]) => {
      for (const l of lists) if (!Array.isArray(l) && typeof l !== 'string') throw new Error(`zip argument is not iterable: ${pyRepr(l)}`);
      const arrays = lists.map((l) => (Array.isArray(l) ? l : [...(l as string)]));
      const len = arrays.length === 0 ? 0 : Math.min(...arrays.map((a) => a.length));
      return Array.from({ length: len }, (_, i) => markTuple(arrays.map((a) => a[i])));
    },
    local_md5: (value: unknown) => createHash('md5').update(String(value), 'utf8').digest('hex'),
    diff_of_two_dicts: (a: unknown, b: unknown) => {
      // Keys of a whose values (compared case-insensitively as text) are not in b's for that key.
      const out: Record<string, unknown[]> = {};
      if (!isDict(a) || !isDict(b)) return out;
      for (const [k, values] of Object.entries(a)) {
        const theirs = Array.isArray(b[k]) ? (b[k] as unknown[]).map((v) => String(v).toLowerCase()) : [];
        const missing = (Array.isArray(values) ? values : [values]).filter((v) => !theirs.includes(String(v).toLowerCase()));
        if (missing.length > 0) out[k] = missing;
      }
      return out;
    },
    statement: (...args: unknown[]) => {
      const { name, fetch_result, caller } = bindArgs(
        'statement',
        [{ name: 'name', default: null }, { name: 'fetch_result', default: false }, { name: 'auto_begin', default: true }, { name: 'language', default: 'sql' }, { name: 'caller', default: null }],
        args,
      );
      let sql: string;
      try {
        sql = typeof caller === 'function' ? String((caller as () => unknown)()) : '';
      } catch (err) {
        // dbt's statement is a macro: a return() in its call block ends it with that value, running nothing.
        if (err instanceof MacroReturn) return err.value;
        throw err;
      }
      if (!options.runQuery) throw new Error(`statement('${pyStr(name)}') runs SQL on the warehouse; compile with a connected target (medallion run/build) to use it`);
      const table = options.runQuery(sql);
      if (!isNone(name)) results.set(String(name), { response: 'OK', data: fetch_result ? table : [], table: fetch_result ? table : null });
      return '';
    },
    load_result: (name: unknown) => results.get(String(name)) ?? null,
    // dbt's macro: the node's store_failures config as dbt finalized it (store_failures_as, when set,
    // decides: storedFailures), else the --store-failures flag (off when compiling).
    should_store_failures: () => {
      const as = options.configValue?.('store_failures_as');
      if (!isNone(as)) return storedFailures({ store_failures_as: as }).store;
      const configured = options.configValue?.('store_failures');
      return isNone(configured) ? Boolean(options.storeFailures) : configured;
    },
    generate_schema_name_for_env: (...args: unknown[]) => {
      const { custom_schema_name } = bindArgs('generate_schema_name_for_env', [{ name: 'custom_schema_name', default: null }, { name: 'node', default: null }], args);
      return options.target.name === 'prod' && !isNone(custom_schema_name) ? String(custom_schema_name).trim() : options.target.schema;
    },
  };
}

// ------------------------------------------------------------------------------------ api.Column

/** Type labels and naming per adapter, as each dbt adapter's Column class defines them. */
function columnRules(adapter: string): { labels: Record<string, string>; lower: boolean; identity: boolean; quote: string; stringType: (n: number) => string; numericType: (dtype: string, p: unknown, s: unknown) => string } {
  const base = {
    labels: { STRING: 'TEXT' } as Record<string, string>,
    lower: false,
    identity: false,
    quote: '"',
    stringType: (n: number) => `character varying(${n})`,
    numericType: (dtype: string, p: unknown, s: unknown) => (isNone(p) || isNone(s) ? dtype : `${dtype}(${pyStr(p)},${pyStr(s)})`),
  };
  switch (adapter) {
    case 'bigquery':
      return { ...base, labels: { TEXT: 'STRING', FLOAT: 'FLOAT64', INTEGER: 'INT64' }, quote: '`', numericType: (dtype) => dtype };
    case 'trino':
      return { ...base, labels: { STRING: 'VARCHAR', FLOAT: 'DOUBLE' }, stringType: (n) => `varchar(${n})` };
    case 'databricks':
      return { ...base, labels: { LONG: 'BIGINT' }, lower: true, quote: '`', numericType: (_d, p, s) => (isNone(p) || isNone(s) ? 'decimal' : `decimal(${pyStr(p)},${pyStr(s)})`) };
    case 'spark':
      return { ...base, identity: true, quote: '`', numericType: (_d, p, s) => (isNone(p) || isNone(s) ? 'decimal' : `decimal(${pyStr(p)},${pyStr(s)})`) };
    default:
      return base;
  }
}

class PyColumn {
  constructor(
    private readonly rules: ReturnType<typeof columnRules>,
    readonly column: string,
    readonly dtype: string,
    readonly char_size: number | null = null,
    readonly numeric_precision: unknown = null,
    readonly numeric_scale: unknown = null,
  ) {}
  get name(): string {
    return this.column;
  }
  get quoted(): string {
    return `${this.rules.quote}${this.column}${this.rules.quote}`;
  }
  get data_type(): string {
    if (this.rules.identity || this.rules.lower) return this.dtype;
    if (this.is_string()) return this.rules.stringType(this.string_size());
    if (this.is_numeric()) return this.rules.numericType(this.dtype, this.numeric_precision, this.numeric_scale);
    return this.dtype;
  }
  is_string(): boolean {
    return ['text', 'character varying', 'character', 'varchar', 'string'].includes(this.dtype.toLowerCase());
  }
  is_number(): boolean {
    return this.is_integer() || this.is_float() || this.is_numeric();
  }
  is_integer(): boolean {
    return ['smallint', 'integer', 'bigint', 'smallserial', 'serial', 'bigserial', 'int2', 'int4', 'int8', 'serial2', 'serial4', 'serial8', 'int', 'int64'].includes(this.dtype.toLowerCase());
  }
  is_float(): boolean {
    return ['real', 'float4', 'float', 'double precision', 'float8', 'double', 'float64'].includes(this.dtype.toLowerCase());
  }
  is_numeric(): boolean {
    return ['numeric', 'decimal', 'number'].includes(this.dtype.toLowerCase());
  }
  string_size(): number {
    if (!this.is_string()) throw new Error('Called string_size() on non-string field!');
    return this.dtype.toLowerCase() === 'text' || this.char_size === null ? 256 : this.char_size;
  }
  literal(value: unknown): string {
    return `${pyStr(value)}::${this.data_type}`;
  }
  toString(): string {
    return `<Column ${this.name} (${this.data_type})>`;
  }
}

/** `api.Column`: translate_type, create, string_type, numeric_type as the target's adapter has them. */
export function columnApi(adapter: string): Record<string, unknown> {
  const rules = columnRules(adapter);
  const translate = (dtype: unknown): string => {
    const text = String(dtype);
    if (rules.identity) return text;
    const label = rules.labels[text.toUpperCase()] ?? text;
    return rules.lower ? label.toLowerCase() : label;
  };
  return {
    translate_type: translate,
    create: (name: unknown, labelOrDtype: unknown) => new PyColumn(rules, String(name), translate(labelOrDtype)),
    string_type: (size: unknown) => rules.stringType(Number(size)),
    numeric_type: (dtype: unknown, precision: unknown, scale: unknown) => rules.numericType(String(dtype), precision, scale),
  };
}

// ------------------------------------------------------------------------------------ toyaml

/** PyYAML's safe_dump (block style, `- ` items at their key's indent, plain scalars where safe). */
export function pythonYamlDump(value: unknown, sortKeys: boolean): string {
  if (!Array.isArray(value) && !isDict(value)) return `${yamlScalar(value)}\n...\n`;
  const lines: string[] = [];
  dumpNode(value, 0, lines, sortKeys);
  return lines.join('\n') + '\n';
}

function dumpNode(value: unknown, indent: number, lines: string[], sortKeys: boolean): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if ((Array.isArray(item) && item.length > 0) || (isDict(item) && Object.keys(item).length > 0)) {
        const nested: string[] = [];
        dumpNode(item, indent + 2, nested, sortKeys);
        nested[0] = `${pad}- ${nested[0]!.slice(indent + 2)}`;
        lines.push(...nested);
      } else lines.push(`${pad}- ${yamlInline(item)}`);
    }
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of entries) {
    if (Array.isArray(v) && v.length > 0) {
      lines.push(`${pad}${yamlScalar(k)}:`);
      dumpNode(v, indent, lines, sortKeys);
    } else if (isDict(v) && Object.keys(v).length > 0) {
      lines.push(`${pad}${yamlScalar(k)}:`);
      dumpNode(v, indent + 2, lines, sortKeys);
    } else lines.push(`${pad}${yamlScalar(k)}: ${yamlInline(v)}`);
  }
}

function yamlInline(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (isDict(v)) return '{}';
  return yamlScalar(v);
}

function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : pyStr(v);
  if (v instanceof PyFloat) return pyStr(v);
  const s = String(v);
  // Plain when PyYAML would write it so: no indicator first, no `: `/` #`, no edge spaces, and it reads back as text.
  const plain =
    s !== '' &&
    !/^[#,[\]{}&*!|>'"%@`]/.test(s) &&
    !/^[-?:](\s|$)/.test(s) &&
    !/^\s|\s$/.test(s) &&
    !/: |:$| #/.test(s) &&
    !/[\x00-\x1f\x7f]/.test(s) &&
    !/^(---|\.\.\.)/.test(s) &&
    resolvePlainScalar(s) === s;
  if (plain) return s;
  // Control characters need double quotes; PyYAML's folding of multi-line text is not reproduced.
  if (/[\x00-\x1f\x7f]/.test(s)) return JSON.stringify(s);
  return `'${s.replace(/'/g, "''")}'`;
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}
