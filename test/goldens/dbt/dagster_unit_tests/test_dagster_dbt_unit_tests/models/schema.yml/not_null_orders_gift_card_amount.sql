
    
    



select gift_card_amount
from "dagster_unit_tests"."main"."orders"
where gift_card_amount is null


