
    
    



select customer_id
from "dagster_model_versions"."main"."orders"
where customer_id is null


