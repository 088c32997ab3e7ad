
    
    



select payment_id
from "dagster_jaffle_shop"."main"."stg_payments"
where payment_id is null


