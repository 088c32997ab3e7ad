
    
    



select gift_card_amount
from "dagster_model_versions"."main"."orders"
where gift_card_amount is null


