select
    '2024-01-01' as start_date,
    1000 as amount_multiplier,
    'from-project-scope' as scoped_var,
    'fallback' as defaulted_var,
    42 as defaulted_number,
    3 as event_type_count,
    'click/view/purchase' as event_types_joined,
    'env-default' as env_default,
    'dev' as target_name,
    'main' as target_schema,
    'duckdb' as target_type,
    'xdb' as target_database,
    '"xdb"."main"."context"' as this_relation,
    'context' as this_identifier,
    'main' as this_schema,
    1 as "Quoted Column",
    'HELLO' as upper_method,
    'HELLO' as upper_filter,
    'hello-42' as tilde_concat,
    6 as namespace_total,
    '2024-01-01' as run_date,
    '2024-01-01 00:00:00+00:00' as run_started_at_raw,
    '00000000-0000-4000-8000-000000000000' as invocation_id,
    '2024-02-29' as leap_day,
    '{"a": 1, "b": [1, 2], "c": null, "d": true}' as json_text,
    'None' as none_repr,
    'view' as materialized,
    round(12345 / 100.0, 2) as dollars,
    (10 / nullif(4, 0)) as ratio
-- a dict renders as its Python repr: {'a': 1, 'b': 'x'}
-- a list too: [1, 'two', None, True]

  -- plain macro output, whitespace kept: done
