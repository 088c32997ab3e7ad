
    
    



select customer_id
from "dagster_model_versions"."main"."stg_customers_v2"
where customer_id is null


