
    
    



select id
from "medallion"."landing"."reviews"
where id is null


