/**
 * Generates a dbt project of N models with realistic Jinja, for benchmarks: layered folders,
 * sources, refs to earlier models (a DAG), config() calls, project macros, ifs and loops,
 * and a properties yml per folder with columns and tests. Deterministic for a given size.
 *
 * Most models need dbt's parse-time render to find their graph (as in real projects): macros
 * that call ref (`union_of`), loops over model names, var-driven enabling (`enable_legacy`
 * leaves legacy models disabled). Some silver models are plain (literal refs only), the files
 * the static fast path reads. `audit_columns()` is used by 3 models in 10 (the macro-edit bench).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedProject {
  root: string;
  models: number;
  files: number;
}

const LAYERS = ['bronze', 'silver', 'gold'] as const;

export interface GenerateProjectOptions {
  /**
   * Every model's SQL binds on DuckDB (for the column-model bench): sources declare their columns'
   * data_type, and every model outputs the columns its children read (id, created_at, status,
   * payment_method, amount). Without it the SQL is only rendered, never bound.
   */
  typedColumns?: boolean;
}

export function generateProject(root: string, models: number, name = 'bench_project', options: GenerateProjectOptions = {}): GeneratedProject {
  const typed = options.typedColumns === true;
  rmSync(root, { recursive: true, force: true });
  let seed = 1234567;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let files = 0;
  const write = (rel: string, text: string): void => {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    files++;
  };
  write(
    'dbt_project.yml',
    `name: ${name}\nversion: '1.0'\nconfig-version: 2\nprofile: ${name}\nvars:\n  start_date: '2020-01-01'\n  payment_methods: ['card', 'cash', 'voucher']\n  enable_legacy: false\nmodels:\n  ${name}:\n    +materialized: view\n    bronze:\n      +schema: bronze\n      +tags: ['bronze']\n    silver:\n      +materialized: table\n      +schema: silver\n    gold:\n      +materialized: table\n      +schema: gold\n`,
  );
  write('profiles.yml', `${name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/bench.duckdb\n      schema: main\n      threads: 4\n`);
  write(
    'macros/helpers.sql',
    `{% macro cents_to_dollars(column_name, scale=2) -%}\n    round({{ column_name }} / 100.0, {{ scale }})\n{%- endmacro %}\n\n{% macro pivot_sum(column, values, amount='amount') -%}\n  {%- for v in values %}\n    sum(case when {{ column }} = '{{ v }}' then {{ amount }} else 0 end) as {{ v }}_amount{{ ',' if not loop.last }}\n  {%- endfor %}\n{%- endmacro %}\n\n{% macro generate_schema_name(custom_schema_name, node) -%}\n    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n{%- endmacro %}\n\n{% macro audit_columns() -%}\n    current_timestamp as _loaded_at\n{%- endmacro %}\n\n{% macro union_of(model_names) -%}\n  {%- for name in model_names %}\n    select id, created_at, status from {{ ref(name) }}{% if not loop.last %} union all{% endif %}\n  {%- endfor %}\n{%- endmacro %}\n`,
  );
  const sourceTables = Math.max(5, Math.ceil(models / 50));
  let sourcesYml = 'version: 2\nsources:\n  - name: raw\n    schema: landing\n    tables:\n';
  for (let t = 0; t < sourceTables; t++) {
    sourcesYml += `      - name: table_${t}\n        columns:\n          - name: id\n            data_tests: [unique, not_null]\n`;
    if (typed) {
      sourcesYml = sourcesYml.replace(/          - name: id\n            data_tests: \[unique, not_null\]\n$/, '          - name: id\n            data_type: bigint\n            data_tests: [unique, not_null]\n');
      sourcesYml += ['created_at: varchar', 'amount_cents: bigint', 'status: varchar', 'payment_method: varchar'].map((c) => `          - name: ${c.split(': ')[0]}\n            data_type: ${c.split(': ')[1]}\n`).join('');
    }
  }
  write('models/sources.yml', sourcesYml);

  const perFolder = 50;
  const names: string[] = [];
  const layerOf = (i: number): (typeof LAYERS)[number] => (i < models * 0.4 ? 'bronze' : i < models * 0.8 ? 'silver' : 'gold');
  let yml = '';
  let folderStart = 0;
  const flushYml = (folder: string): void => {
    if (yml) write(`models/${folder}/_${folder.replace(/\//g, '_')}__models.yml`, `version: 2\nmodels:\n${yml}`);
    yml = '';
  };
  let currentFolder = '';
  for (let i = 0; i < models; i++) {
    const layer = layerOf(i);
    const folder = `${layer}/group_${Math.floor(i / perFolder)}`;
    if (folder !== currentFolder) {
      if (currentFolder) flushYml(currentFolder);
      currentFolder = folder;
      folderStart = i;
    }
    const modelName = `${layer}_model_${i}`;
    const audit = !typed && i % 10 < 3 ? '{{ audit_columns() }},\n        ' : '';
    let sql: string;
    if (layer === 'bronze') {
      const t = Math.floor(rand() * sourceTables);
      const incremental = i % 7 === 0;
      sql =
        (incremental ? `{{ config(materialized='incremental', unique_key='id', tags=['hourly']) }}\n\n` : '') +
        `with source as (\n    select * from {{ source('raw', 'table_${t}') }}\n),\n\nrenamed as (\n    select\n        ${audit}id,\n        cast(created_at as timestamp) as created_at,\n        {{ cents_to_dollars('amount_cents') }} as amount,\n        status,\n        payment_method\n    from source\n    where created_at >= '{{ var("start_date") }}'\n)\n\nselect * from renamed\n` +
        (incremental ? `{% if is_incremental() %}\nwhere created_at > (select max(created_at) from {{ this }})\n{% endif %}\n` : '');
    } else {
      // Refs only to earlier models keep the graph acyclic; mostly near neighbours, sometimes far.
      const parents = new Set<string>();
      const count = 1 + Math.floor(rand() * 3);
      const pool = layer === 'silver' ? names.filter((n) => !n.startsWith('gold')) : names;
      for (let k = 0; k < count && pool.length > 0; k++) {
        const near = rand() < 0.7;
        const idx = near ? Math.max(0, pool.length - 1 - Math.floor(rand() * 30)) : Math.floor(rand() * pool.length);
        parents.add(pool[idx]!);
      }
      const [first, ...rest] = [...parents];
      const joins = rest.map((p, k) => `left join {{ ref('${p}') }} as p${k + 1} using (id)`).join('\n');
      if (!typed && i % 10 === 3 && layer === 'silver') {
        // Plain SQL with literal refs: the static fast path reads these without rendering.
        sql = `{{ config(materialized='view') }}\n\nselect b.id, b.created_at, b.status\nfrom {{ ref('${first}') }} as b\n${joins}\n`;
        write(`models/${folder}/${modelName}.sql`, sql);
        names.push(modelName);
        yml += `  - name: ${modelName}\n    description: "Model ${i} of the ${layer} layer"\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n`;
        continue;
      }
      if (!typed && i % 10 === 7 && layer === 'gold') {
        // A macro that calls ref for names passed as strings, and a loop over model names.
        const loop = [...parents].map((p) => `'${p}'`).join(', ');
        sql = `{{ config(tags=['gold', 'union']) }}\n\nwith unioned as (\n    {{ union_of([${loop}]) }}\n)\n\nselect * from unioned\n{% for extra in [${loop}] %}\n-- also reads {{ ref(extra) }}\n{% endfor %}\n`;
        write(`models/${folder}/${modelName}.sql`, sql);
        names.push(modelName);
        yml += `  - name: ${modelName}\n    description: "Model ${i} of the ${layer} layer"\n`;
        continue;
      }
      sql = typed
        ? `{%- set payment_methods = var('payment_methods') -%}\n\n{{ config(tags=['${layer}', 'daily']) }}\n\n` +
          `with base as (\n    select\n        b.id,\n        b.created_at,\n        b.status,\n        b.payment_method,\n        {{ pivot_sum('b.payment_method', payment_methods, 'b.amount') }}\n    from {{ ref('${first}') }} as b\n    ${joins}\n    group by 1, 2, 3, 4\n)\n\n` +
          `select\n    *,\n    {% for m in payment_methods -%}\n    {{ m }}_amount{% if not loop.last %} + {% endif %}\n    {%- endfor %} as amount\nfrom base\n`
        : `{%- set payment_methods = var('payment_methods') -%}\n\n{{ config(tags=['${layer}', 'daily']) }}\n\n` +
          `with base as (\n    select\n        ${audit}b.id,\n        b.created_at,\n        b.status,\n        {{ pivot_sum('b.payment_method', payment_methods) }}\n    from {{ ref('${first}') }} as b\n    ${joins}\n    group by 1, 2, 3\n)\n\n` +
          `select\n    *,\n    {% for m in payment_methods -%}\n    {{ m }}_amount{% if not loop.last %} + {% endif %}\n    {%- endfor %} as total_amount\nfrom base\n` +
          (i % 5 === 0 ? `{% if target.name == 'prod' %}\nwhere created_at > current_date - interval 90 day\n{% endif %}\n` : '');
    }
    write(`models/${folder}/${modelName}.sql`, sql);
    names.push(modelName);
    if (i % 50 === 11) {
      // Var-driven enabling: legacy models nobody refs, disabled unless --vars enables them.
      write(`models/${folder}/legacy_${modelName}.sql`, `{{ config(enabled = var('enable_legacy', false)) }}\n\nselect * from {{ ref('${modelName}') }}\n`);
    }
    yml += `  - name: ${modelName}\n    description: "Model ${i} of the ${layer} layer"\n    columns:\n      - name: id\n        description: "Primary key"\n        data_tests:\n          - unique\n          - not_null\n      - name: status\n        data_tests:\n          - accepted_values:\n              arguments:\n                values: ['placed', 'shipped', 'returned']\n`;
    void folderStart;
  }
  flushYml(currentFolder);
  return { root, models, files };
}

if (require.main === module) {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count) {
    process.stderr.write('usage: node out/bench/generate-project.js DIR MODELS\n');
    process.exit(2);
  }
  const result = generateProject(dir, Number(count));
  process.stdout.write(`${result.files} files, ${result.models} models in ${result.root}\n`);
}
