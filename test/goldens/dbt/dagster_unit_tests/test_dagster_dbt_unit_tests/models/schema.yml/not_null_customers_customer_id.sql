
    
    



select customer_id
from "dagster_unit_tests"."main"."customers"
where customer_id is null


