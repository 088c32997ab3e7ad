
    
    

with all_values as (

    select
        first_name as value_field,
        count(*) as n_records

    from "dagster_asset_checks"."main"."fail_tests_model"
    group by first_name

)

select *
from all_values
where value_field not in (
    'foo','bar','baz'
)


