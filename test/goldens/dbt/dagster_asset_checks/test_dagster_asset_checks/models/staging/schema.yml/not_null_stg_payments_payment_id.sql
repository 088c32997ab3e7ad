
    
    



select payment_id
from "dagster_asset_checks"."main"."stg_payments"
where payment_id is null


