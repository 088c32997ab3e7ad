
    
    



select event_id
from "xdb"."main_raw"."raw_events"
where event_id is null


