
    
    



select id
from "medallion"."landing"."users"
where id is null


