

with __dbt__cte__waiters as (


SELECT DISTINCT
  waiter_id::INT AS waiter_id,
  ds::TEXT AS ds
FROM "memory"."sushi_raw"."orders"

    
    

) SELECT
  w.waiter_id as waiter_id,
  wn.name as waiter_name,
  w.ds as ds,
FROM __dbt__cte__waiters AS w
JOIN "memory"."sushi"."customers" as c ON w.waiter_id = c.customer_id
JOIN "memory"."sushi_raw"."waiter_names" as wn ON w.waiter_id = wn.id