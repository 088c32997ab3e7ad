
    
    



select customer_id
from "jaffle_shop"."main"."orders"
where customer_id is null


