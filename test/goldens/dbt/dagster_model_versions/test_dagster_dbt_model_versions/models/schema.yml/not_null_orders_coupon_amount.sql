
    
    



select coupon_amount
from "dagster_model_versions"."main"."orders"
where coupon_amount is null


