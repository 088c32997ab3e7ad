
    
    



select id
from "primary_keys"."main"."no_key"
where id is null


