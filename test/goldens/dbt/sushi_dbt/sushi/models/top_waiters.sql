

SELECT
  waiter_id::INT AS waiter_id,
  revenue::DOUBLE AS revenue,
  1 AS unused_column
FROM "memory"."sushi"."waiter_revenue_by_day_v1"
WHERE
  ds = (
    SELECT
      MAX(ds)
    FROM "memory"."sushi"."waiter_revenue_by_day_v1"
  )
ORDER BY
  revenue DESC
LIMIT 10