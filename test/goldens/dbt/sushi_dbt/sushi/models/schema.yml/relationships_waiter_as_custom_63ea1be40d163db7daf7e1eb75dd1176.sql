
    
    

with child as (
    select waiter_name as from_field
    from "memory"."sushi"."waiter_as_customer_by_day"
    where waiter_name is not null
),

parent as (
    select name as to_field
    from "memory"."sushi_raw"."waiter_names"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


