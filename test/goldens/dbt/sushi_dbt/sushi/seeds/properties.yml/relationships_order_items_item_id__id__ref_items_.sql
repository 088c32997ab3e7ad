
    
    

with child as (
    select item_id as from_field
    from "memory"."sushi_raw"."order_items"
    where item_id is not null
),

parent as (
    select id as to_field
    from "memory"."sushi_raw"."items"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


