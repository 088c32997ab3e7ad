
    
    



select credit_card_amount
from "dagster_jaffle_shop"."main"."orders"
where credit_card_amount is null


