

SELECT DISTINCT
   *
FROM "memory"."raw"."orders"

    
    
