
    
    



select order_id
from "dagster_jaffle_shop"."main"."stg_orders"
where order_id is null


