SELECT DISTINCT
  customer_id::INT AS customer_id
FROM "memory"."sushi_raw"."orders" as o