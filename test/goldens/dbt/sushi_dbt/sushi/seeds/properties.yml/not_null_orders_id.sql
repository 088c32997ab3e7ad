
    
    



select id
from "memory"."sushi_raw"."orders"
where id is null


