
    
    



select coupon_amount
from "dagster_jaffle_shop"."main"."orders"
where coupon_amount is null


