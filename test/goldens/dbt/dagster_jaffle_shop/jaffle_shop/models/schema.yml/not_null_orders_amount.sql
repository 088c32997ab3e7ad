
    
    



select amount
from "dagster_jaffle_shop"."main"."orders"
where amount is null


