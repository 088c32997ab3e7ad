
    
    



select id
from "memory"."sushi_raw"."waiter_names"
where id is null


