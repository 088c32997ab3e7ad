
    
    



select order_id
from "jaffle_shop"."main"."orders"
where order_id is null


