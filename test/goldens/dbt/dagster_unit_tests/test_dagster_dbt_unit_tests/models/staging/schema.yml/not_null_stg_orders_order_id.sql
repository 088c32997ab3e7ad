
    
    



select order_id
from "dagster_unit_tests"."main"."stg_orders"
where order_id is null


