
    
    



select payment_id
from "jaffle_shop"."main"."stg_payments"
where payment_id is null


