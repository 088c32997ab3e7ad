
    
    



select order_id
from "dagster_model_versions"."main"."stg_orders"
where order_id is null


