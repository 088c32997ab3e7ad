
    
    



select id
from "memory"."sushi_raw"."items"
where id is null


