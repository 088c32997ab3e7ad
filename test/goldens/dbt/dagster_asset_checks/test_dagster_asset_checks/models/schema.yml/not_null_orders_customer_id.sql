
    
    



select customer_id
from "dagster_asset_checks"."main"."orders"
where customer_id is null


