
    
    



select id
from "medallion"."bronze"."bronze_products"
where id is null


