SELECT DISTINCT
  customer_id::INT AS customer_id
FROM "memory"."raw"."orders"