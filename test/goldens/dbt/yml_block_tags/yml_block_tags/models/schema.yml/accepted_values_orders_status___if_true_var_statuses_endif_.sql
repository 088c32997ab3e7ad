
    
    

with all_values as (

    select
        status as value_field,
        count(*) as n_records

    from "yml_block_tags"."main"."orders"
    group by status

)

select *
from all_values
where value_field not in (
    'open','closed'
)


