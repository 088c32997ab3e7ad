




SELECT
  waiter_id::INT AS waiter_id,
  revenue::DOUBLE AS revenue,
  3 AS model_columns
FROM "memory"."sushi"."waiter_revenue_by_day_v2"
WHERE
  ds = (
    SELECT
      MAX(ds)
    FROM "memory"."sushi"."waiter_revenue_by_day_v2"
  )
ORDER BY
  revenue DESC
LIMIT 
10
