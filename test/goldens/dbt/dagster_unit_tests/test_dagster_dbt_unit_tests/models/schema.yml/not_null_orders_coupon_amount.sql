
    
    



select coupon_amount
from "dagster_unit_tests"."main"."orders"
where coupon_amount is null


