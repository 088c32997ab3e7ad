
    
    



select id
from "artifacts"."main"."stg_orders"
where id is null


