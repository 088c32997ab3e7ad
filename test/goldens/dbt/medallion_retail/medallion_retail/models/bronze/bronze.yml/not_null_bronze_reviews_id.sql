
    
    



select id
from "medallion"."bronze"."bronze_reviews"
where id is null


