
    
    



select id
from "medallion"."landing"."products"
where id is null


