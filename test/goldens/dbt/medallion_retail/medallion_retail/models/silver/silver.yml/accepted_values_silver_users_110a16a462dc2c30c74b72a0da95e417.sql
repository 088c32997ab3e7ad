
    
    

with all_values as (

    select
        sales_channel as value_field,
        count(*) as n_records

    from "medallion"."silver"."silver_users"
    group by sales_channel

)

select *
from all_values
where value_field not in (
    'Affiliate','Facebook','Google','Organic','Twitter'
)


