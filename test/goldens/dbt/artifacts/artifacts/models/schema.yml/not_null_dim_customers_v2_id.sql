
    
    



select id
from "artifacts"."main"."dim_customers_v2"
where id is null


