
    
    



select amount
from "dagster_unit_tests"."main"."orders"
where amount is null


