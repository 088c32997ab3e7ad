
    
    



select id
from "medallion"."landing"."orders"
where id is null


