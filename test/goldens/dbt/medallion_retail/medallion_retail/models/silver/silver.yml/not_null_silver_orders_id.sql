
    
    



select id
from "medallion"."silver"."silver_orders"
where id is null


