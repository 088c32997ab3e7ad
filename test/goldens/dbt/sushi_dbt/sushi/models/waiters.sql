

SELECT DISTINCT
  waiter_id::INT AS waiter_id,
  ds::TEXT AS ds
FROM "memory"."sushi_raw"."orders"

    
    
