
    
    

with child as (
    select event_id as from_field
    from "xdb"."main_marts"."fct_purchases"
    where event_id is not null
),

parent as (
    select event_id as to_field
    from "xdb"."main"."stg_events"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


