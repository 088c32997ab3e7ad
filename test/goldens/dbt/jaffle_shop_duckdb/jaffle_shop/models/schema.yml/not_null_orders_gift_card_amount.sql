
    
    



select gift_card_amount
from "jaffle_shop"."main"."orders"
where gift_card_amount is null


