/**
 * dbt's built-in generic tests (unique, not_null, accepted_values, relationships) rendering the
 * same SQL as dbt-adapters' default__test_* macros (and an adapter's own, e.g. bigquery__test_unique).
 * A project may override them with its own `{% test %}` blocks or, as dbt dispatches them, its own
 * `default__test_*` / `<adapter>__test_*` macros; both take precedence.
 */
import { splitArgs } from './python';

type TestMacro = (...args: unknown[]) => string;

/**
 * Whether a test stores its failures, and as what, as dbt's TestConfig.finalize_and_validate
 * settles it: `store_failures_as`, when set, decides (`ephemeral`: no; `table`, `view` or
 * anything else: yes, as that); otherwise `store_failures` decides, and where it is not set either,
 * the `--store-failures` flag (dbt's should_store_failures macro): stored as a table.
 */
export function storedFailures(config: Readonly<Record<string, unknown>>, flag = false): { store: boolean; as: string } {
  const as = config.store_failures_as;
  if (as !== null && as !== undefined) return { store: as !== 'ephemeral', as: String(as) };
  const configured = config.store_failures;
  return { store: configured === null || configured === undefined ? flag : configured === true, as: 'table' };
}

function kw(args: unknown[], names: string[]): Record<string, unknown> {
  const { positional, kwargs } = splitArgs(args);
  const out: Record<string, unknown> = { ...kwargs };
  names.forEach((n, i) => {
    if (i < positional.length) out[n] = positional[i];
  });
  return out;
}

export function builtinTests(storeFailures: () => boolean, adapterType?: string): Record<string, TestMacro> {
  return {
    test_not_null: (...args) => {
      const a = kw(args, ['model', 'column_name']);
      const columns = storeFailures() ? '*' : String(a.column_name);
      return `\n\nselect ${columns}\nfrom ${String(a.model)}\nwhere ${String(a.column_name)} is null\n\n`;
    },
    test_unique: (...args) => {
      const a = kw(args, ['model', 'column_name']);
      const c = String(a.column_name);
      // dbt-bigquery's bigquery__test_unique
      if (adapterType === 'bigquery') return `\n    \nwith dbt_test__target as (\n\n  select ${c} as unique_field\n  from ${String(a.model)}\n  where ${c} is not null\n\n)\n\nselect\n    unique_field,\n    count(*) as n_records\n\nfrom dbt_test__target\ngroup by unique_field\nhaving count(*) > 1\n\n`;
      return `\n\nselect\n    ${c} as unique_field,\n    count(*) as n_records\n\nfrom ${String(a.model)}\nwhere ${c} is not null\ngroup by ${c}\nhaving count(*) > 1\n\n`;
    },
    test_accepted_values: (...args) => {
      const a = kw(args, ['model', 'column_name', 'values', 'quote']);
      const quote = a.quote === undefined ? true : Boolean(a.quote);
      const values = (Array.isArray(a.values) ? a.values : []).map((v) => (quote ? `'${pythonStr(v)}'` : pythonStr(v))).join(',');
      const c = String(a.column_name);
      return `\n\nwith all_values as (\n\n    select\n        ${c} as value_field,\n        count(*) as n_records\n\n    from ${String(a.model)}\n    group by ${c}\n\n)\n\nselect *\nfrom all_values\nwhere value_field not in (\n    ${values}\n)\n\n`;
    },
    test_relationships: (...args) => {
      const a = kw(args, ['model', 'column_name', 'to', 'field']);
      const c = String(a.column_name);
      return `\n\nwith child as (\n    select ${c} as from_field\n    from ${String(a.model)}\n    where ${c} is not null\n),\n\nparent as (\n    select ${String(a.field)} as to_field\n    from ${String(a.to)}\n)\n\nselect\n    from_field\n\nfrom child\nleft join parent\n    on child.from_field = parent.to_field\n\nwhere parent.to_field is null\n\n`;
    },
  };
}

/** Python's str() of a YAML scalar, as Jinja prints it (True, None, 1.5). */
function pythonStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}
