
    
    



select id
from "memory"."sushi_raw"."order_items"
where id is null


