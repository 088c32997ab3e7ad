
    
    



select order_id
from "dagster_asset_checks"."main"."orders"
where order_id is null


