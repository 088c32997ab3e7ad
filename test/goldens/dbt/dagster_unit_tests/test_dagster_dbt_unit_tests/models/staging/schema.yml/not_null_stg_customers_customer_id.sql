
    
    



select customer_id
from "dagster_unit_tests"."main"."stg_customers"
where customer_id is null


