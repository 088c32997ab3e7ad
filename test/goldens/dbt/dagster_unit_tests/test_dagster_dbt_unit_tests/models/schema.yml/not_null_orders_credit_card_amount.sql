
    
    



select credit_card_amount
from "dagster_unit_tests"."main"."orders"
where credit_card_amount is null


