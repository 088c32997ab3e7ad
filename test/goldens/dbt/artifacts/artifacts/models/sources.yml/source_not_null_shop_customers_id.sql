
    
    



select id
from "artifacts"."landing"."customers_raw"
where id is null


