
    
    



select event_id
from "xdb"."main_marts"."fct_purchases"
where event_id is null


