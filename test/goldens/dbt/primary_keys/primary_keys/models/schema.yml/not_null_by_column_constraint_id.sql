
    
    



select id
from "primary_keys"."main"."by_column_constraint"
where id is null


