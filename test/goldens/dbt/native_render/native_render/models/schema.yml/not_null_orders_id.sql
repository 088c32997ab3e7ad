
    
    



select id
from "native_render"."main"."orders"
where id is null


