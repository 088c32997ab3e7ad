
    
    



select id
from "medallion"."bronze"."bronze_users"
where id is null


