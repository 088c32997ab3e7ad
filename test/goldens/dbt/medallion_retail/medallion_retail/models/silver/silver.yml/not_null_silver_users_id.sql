
    
    



select id
from "medallion"."silver"."silver_users"
where id is null


