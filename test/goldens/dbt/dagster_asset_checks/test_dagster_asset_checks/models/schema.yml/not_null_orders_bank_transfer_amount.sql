
    
    



select bank_transfer_amount
from "dagster_asset_checks"."main"."orders"
where bank_transfer_amount is null


