
    
    

with all_values as (

    select
        category as value_field,
        count(*) as n_records

    from "medallion"."silver"."silver_products"
    group by category

)

select *
from all_values
where value_field not in (
    'Gadget','Gizmo','Doohickey','Widget'
)


