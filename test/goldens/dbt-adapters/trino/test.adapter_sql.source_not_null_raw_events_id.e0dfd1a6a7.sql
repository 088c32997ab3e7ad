
    
    



select id
from "RAW_DB"."app"."events"
where id is null


