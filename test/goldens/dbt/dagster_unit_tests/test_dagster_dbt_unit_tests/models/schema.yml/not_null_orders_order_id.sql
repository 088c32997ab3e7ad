
    
    



select order_id
from "dagster_unit_tests"."main"."orders"
where order_id is null


