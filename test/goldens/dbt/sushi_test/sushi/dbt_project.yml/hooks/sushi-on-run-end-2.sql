create or replace table graph_table as
select 'model.sushi.empty_model' as unique_id, 'table' as materialized
union all
select 'model.sushi.custom_incremental_model' as unique_id, 'custom_incremental' as materialized
union all
select 'model.sushi.simple_model_b' as unique_id, 'table' as materialized
union all
select 'model.sushi.waiter_as_customer_by_day' as unique_id, 'incremental' as materialized
union all
select 'model.sushi.top_waiters' as unique_id, 'view' as materialized
union all
select 'model.sushi.dynamic_graph_model' as unique_id, 'table' as materialized
union all
select 'model.sushi.waiters' as unique_id, 'ephemeral' as materialized
union all
select 'model.sushi.simple_model_a' as unique_id, 'table' as materialized
union all
select 'model.sushi.model_with_raw_code' as unique_id, 'table' as materialized
union all
select 'model.sushi.non_validated_model' as unique_id, 'table' as materialized
union all
select 'model.sushi.custom_incremental_with_filter' as unique_id, 'custom_incremental' as materialized
union all
select 'model.sushi.model_with_transaction_hooks' as unique_id, 'table' as materialized
union all
select 'model.customers.customers' as unique_id, 'view' as materialized
union all
select 'model.customers.customer_revenue_by_day' as unique_id, 'incremental' as materialized
union all
select 'model.my_project.dummy_model' as unique_id, 'view' as materialized
union all
select 'model.sushi.waiter_revenue_by_day.v1' as unique_id, 'incremental' as materialized
union all
select 'model.sushi.waiter_revenue_by_day.v2' as unique_id, 'incremental' as materialized