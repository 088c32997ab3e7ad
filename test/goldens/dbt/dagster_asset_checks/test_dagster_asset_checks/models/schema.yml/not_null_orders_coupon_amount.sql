
    
    



select coupon_amount
from "dagster_asset_checks"."main"."orders"
where coupon_amount is null


