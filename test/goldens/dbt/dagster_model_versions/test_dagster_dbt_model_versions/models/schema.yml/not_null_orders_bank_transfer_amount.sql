
    
    



select bank_transfer_amount
from "dagster_model_versions"."main"."orders"
where bank_transfer_amount is null


