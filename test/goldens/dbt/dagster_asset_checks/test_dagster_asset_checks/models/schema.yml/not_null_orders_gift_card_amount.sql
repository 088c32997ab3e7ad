
    
    



select gift_card_amount
from "dagster_asset_checks"."main"."orders"
where gift_card_amount is null


