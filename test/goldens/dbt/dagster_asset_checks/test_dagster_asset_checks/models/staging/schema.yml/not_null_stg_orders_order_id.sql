
    
    



select order_id
from "dagster_asset_checks"."main"."stg_orders"
where order_id is null


