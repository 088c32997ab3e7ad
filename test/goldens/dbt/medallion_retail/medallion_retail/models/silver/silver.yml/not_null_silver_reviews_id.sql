
    
    



select id
from "medallion"."silver"."silver_reviews"
where id is null


