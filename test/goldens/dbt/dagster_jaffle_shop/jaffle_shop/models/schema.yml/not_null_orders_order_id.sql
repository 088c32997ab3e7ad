
    
    



select order_id
from "dagster_jaffle_shop"."main"."orders"
where order_id is null


