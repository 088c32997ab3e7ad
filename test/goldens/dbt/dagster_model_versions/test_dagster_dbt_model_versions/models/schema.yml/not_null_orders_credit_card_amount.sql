
    
    



select credit_card_amount
from "dagster_model_versions"."main"."orders"
where credit_card_amount is null


