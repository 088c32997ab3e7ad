
    
    



select credit_card_amount
from "dagster_asset_checks"."main"."orders"
where credit_card_amount is null


