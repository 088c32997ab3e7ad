
    
    



select customer_id
from "dagster_unit_tests"."main"."orders"
where customer_id is null


