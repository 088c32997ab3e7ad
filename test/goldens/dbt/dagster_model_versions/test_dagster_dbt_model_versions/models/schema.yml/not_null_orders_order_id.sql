
    
    



select order_id
from "dagster_model_versions"."main"."orders"
where order_id is null


