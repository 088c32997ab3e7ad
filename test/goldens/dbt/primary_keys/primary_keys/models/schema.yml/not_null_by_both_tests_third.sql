
    
    



select third
from "primary_keys"."main"."by_both_tests"
where third is null


