
    
    



select payment_id
from "dagster_model_versions"."main"."stg_payments"
where payment_id is null


