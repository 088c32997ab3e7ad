
    
    



select customer_id
from "dagster_model_versions"."main"."customers"
where customer_id is null


