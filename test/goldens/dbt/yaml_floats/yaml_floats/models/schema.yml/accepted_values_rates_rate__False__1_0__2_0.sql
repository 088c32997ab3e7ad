
    
    

with all_values as (

    select
        rate as value_field,
        count(*) as n_records

    from "yaml_floats"."main"."rates"
    group by rate

)

select *
from all_values
where value_field not in (
    1.0,2.0
)


