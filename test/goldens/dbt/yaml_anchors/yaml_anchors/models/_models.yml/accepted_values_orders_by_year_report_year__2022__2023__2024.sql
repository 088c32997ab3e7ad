
    
    

with all_values as (

    select
        report_year as value_field,
        count(*) as n_records

    from "yaml_anchors"."main"."orders_by_year"
    group by report_year

)

select *
from all_values
where value_field not in (
    '2022','2023','2024'
)


