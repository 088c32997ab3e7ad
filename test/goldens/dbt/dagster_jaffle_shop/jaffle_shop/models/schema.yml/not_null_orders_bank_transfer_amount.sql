
    
    



select bank_transfer_amount
from "dagster_jaffle_shop"."main"."orders"
where bank_transfer_amount is null


