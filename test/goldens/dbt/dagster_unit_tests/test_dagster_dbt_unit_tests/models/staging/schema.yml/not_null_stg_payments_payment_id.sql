
    
    



select payment_id
from "dagster_unit_tests"."main"."stg_payments"
where payment_id is null


