

with __dbt__cte__waiters as (


SELECT DISTINCT
   *
FROM "memory"."raw"."orders"

    
    

) SELECT
  w.ds as ds,
  w.waiter_id as waiter_id,
  wn.name as waiter_name
FROM __dbt__cte__waiters AS w
JOIN "memory"."sushi"."customers" as c ON w.waiter_id = c.customer_id
JOIN "memory"."sushi"."waiter_names" as wn ON w.waiter_id = wn.id