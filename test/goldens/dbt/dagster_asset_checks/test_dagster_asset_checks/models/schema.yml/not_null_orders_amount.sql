
    
    



select amount
from "dagster_asset_checks"."main"."orders"
where amount is null


