
    
    

with  __dbt__cte__waiters as (


SELECT DISTINCT
  waiter_id::INT AS waiter_id,
  ds::TEXT AS ds
FROM "memory"."sushi_raw"."orders"

    
    

), child as (
    select waiter_id as from_field
    from "memory"."sushi"."waiter_as_customer_by_day"
    where waiter_id is not null
),

parent as (
    select waiter_id as to_field
    from __dbt__cte__waiters
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


