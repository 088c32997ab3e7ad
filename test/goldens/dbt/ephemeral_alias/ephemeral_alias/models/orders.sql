with __dbt__cte___orders as (


select 1 as id
) select * from __dbt__cte___orders