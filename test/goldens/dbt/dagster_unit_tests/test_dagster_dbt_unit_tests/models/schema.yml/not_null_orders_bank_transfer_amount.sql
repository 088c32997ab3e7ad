
    
    



select bank_transfer_amount
from "dagster_unit_tests"."main"."orders"
where bank_transfer_amount is null


