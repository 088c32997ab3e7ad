
    
    

with all_values as (

    select
        category_name as value_field,
        count(*) as n_records

    from "medallion"."gold"."product_categories"
    group by category_name

)

select *
from all_values
where value_field not in (
    'Gadget','Gizmo','Doohickey','Widget'
)


