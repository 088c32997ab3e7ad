
    
    



select customer_id
from "dagster_asset_checks"."main"."customers"
where customer_id is null


