
    
    

with child as (
    select id as from_field
    from "test_tags_macros"."main"."orders"
    where id is not null
),

parent as (
    select id as to_field
    from "test_tags_macros"."main"."customers"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


