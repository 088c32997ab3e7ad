
    
    



select bank_transfer_amount
from "jaffle_shop"."main"."orders"
where bank_transfer_amount is null


