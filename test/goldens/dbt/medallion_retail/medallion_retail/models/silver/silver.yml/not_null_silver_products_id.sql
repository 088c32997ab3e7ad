
    
    



select id
from "medallion"."silver"."silver_products"
where id is null


