-- Simple analysis: Top performing waiters by total revenue

SELECT
  waiter_id,
  SUM(revenue) AS total_revenue,
  COUNT(*) AS days_worked
FROM "memory"."sushi"."waiter_revenue_by_day_v2"
GROUP BY waiter_id
ORDER BY total_revenue DESC
LIMIT 10