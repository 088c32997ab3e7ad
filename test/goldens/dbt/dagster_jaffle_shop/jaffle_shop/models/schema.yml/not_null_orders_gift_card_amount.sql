
    
    



select gift_card_amount
from "dagster_jaffle_shop"."main"."orders"
where gift_card_amount is null


