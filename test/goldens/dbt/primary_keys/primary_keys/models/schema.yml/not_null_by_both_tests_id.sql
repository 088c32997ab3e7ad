
    
    



select id
from "primary_keys"."main"."by_both_tests"
where id is null


