// Throughput check for the Jinja engine (not a test; no timing assertions).
// Usage: npx tsc -p . && node out/test/jinja/bench.js [count]
// Parses and renders `count` (default 10,000) distinct dbt-style models of ~40 lines each.

import { Kwargs, MacroReturn, parse, render } from '../../server/src/core/jinja';

function model(i: number): string {
  return `{{ config(materialized='${i % 3 === 0 ? 'table' : 'view'}', tags=['nightly', 'm${i}']) }}
{%- set payment_methods = ['bank_transfer', 'credit_card', 'coupon', 'gift_card'] -%}
{% macro cents_to_dollars(col, scale=2) -%}
    round(({{ col }} / 100)::numeric, {{ scale }})
{%- endmacro %}

with orders as (
    select * from {{ ref('stg_orders_${i}') }}
),

payments as (
    select * from {{ ref('stg_payments') }}
    {% if is_incremental() %}
    where created_at > (select max(created_at) from {{ this }})
    {% endif %}
),

pivoted as (
    select
        order_id,
        {% for method in payment_methods -%}
        sum(case when payment_method = '{{ method }}' then amount else 0 end) as {{ method }}_amount
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from payments
    group by 1
)

select
    orders.order_id,
    orders.customer_id,
    {{ cents_to_dollars('pivoted.credit_card_amount') }} as credit_card_dollars,
    {{ dbt_utils_star(ref('stg_customers'), except=['_loaded_at']) }},
    {% if target.name == 'dev' -%}
    'dev' as env
    {%- else -%}
    '{{ target.name | upper }}' as env
    {%- endif %}
from orders
left join pivoted using (order_id)
{% if var('limit', none) is not none %}limit {{ var('limit') }}{% endif %}
`;
}

function globalsFor(): Record<string, unknown> {
  const kw = (a: unknown[]) => (a[a.length - 1] instanceof Kwargs ? (a[a.length - 1] as Kwargs).values : {});
  return {
    ref: (name: unknown) => `"analytics"."dbt"."${String(name)}"`,
    config: () => '',
    is_incremental: () => false,
    var: (name: unknown, def?: unknown) => (name === 'limit' ? 100 : def ?? null),
    this: { toString: () => '"analytics"."dbt"."this"' },
    target: { name: 'prod', schema: 'dbt' },
    return: (v: unknown) => {
      throw new MacroReturn(v);
    },
    dbt_utils_star: (...a: unknown[]) => {
      const except = (kw(a)['except'] as string[]) ?? [];
      return ['id', 'name', 'email', '_loaded_at'].filter((c) => !except.includes(c)).join(', ');
    },
  };
}

function main(): void {
  const count = Number(process.argv[2] ?? 10_000);
  const sources = Array.from({ length: count }, (_, i) => model(i));
  const globals = globalsFor();
  // Warm-up (JIT), then measure.
  for (let i = 0; i < 200; i++) render(parse(sources[i % count]!).template, globals);

  let t0 = performance.now();
  const templates = sources.map((s) => parse(s).template);
  const parseMs = performance.now() - t0;

  t0 = performance.now();
  let chars = 0;
  for (const t of templates) {
    const r = render(t, globals);
    if (r.error) throw new Error(r.error.message);
    chars += r.output.length;
  }
  const renderMs = performance.now() - t0;

  t0 = performance.now();
  for (const s of sources) render(parse(s).template, globals);
  const bothMs = performance.now() - t0;

  const lines = sources[0]!.split('\n').length;
  console.log(`${count} models x ${lines} lines (${sources[0]!.length} chars each)`);
  console.log(`parse:          ${parseMs.toFixed(0)} ms (${((parseMs * 1000) / count).toFixed(1)} us/model)`);
  console.log(`render:         ${renderMs.toFixed(0)} ms (${((renderMs * 1000) / count).toFixed(1)} us/model), ${chars} chars out`);
  console.log(`parse + render: ${bothMs.toFixed(0)} ms`);
  console.log(render(templates[1]!, globals).output);
}

main();
