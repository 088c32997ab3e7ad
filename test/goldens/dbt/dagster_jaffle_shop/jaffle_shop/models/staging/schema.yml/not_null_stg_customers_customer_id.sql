
    
    



select customer_id
from "dagster_jaffle_shop"."main"."stg_customers"
where customer_id is null


