
    
    



select id
from "primary_keys"."main"."by_combination"
where id is null


