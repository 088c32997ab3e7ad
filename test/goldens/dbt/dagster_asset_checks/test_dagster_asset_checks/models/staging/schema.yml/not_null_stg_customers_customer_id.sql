
    
    



select customer_id
from "dagster_asset_checks"."main"."stg_customers"
where customer_id is null


