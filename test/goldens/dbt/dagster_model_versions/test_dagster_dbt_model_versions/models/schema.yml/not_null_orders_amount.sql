
    
    



select amount
from "dagster_model_versions"."main"."orders"
where amount is null


