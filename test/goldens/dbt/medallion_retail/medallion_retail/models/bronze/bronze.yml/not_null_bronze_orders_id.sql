
    
    



select id
from "medallion"."bronze"."bronze_orders"
where id is null


