
    
    



select customer_id
from "dagster_jaffle_shop"."main"."orders"
where customer_id is null


