
    
    



select event_id
from "xdb"."main"."stg_events"
where event_id is null


