with __dbt__cte__waiters as (


SELECT DISTINCT
   *
FROM "memory"."raw"."orders"

    
    

) SELECT 1 AS var, 'items' AS src, '__dbt__cte__waiters' AS ref;