
    
    



select customer_id
from "dagster_jaffle_shop"."main"."customers"
where customer_id is null


