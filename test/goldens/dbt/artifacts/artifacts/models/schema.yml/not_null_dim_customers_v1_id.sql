
    
    



select id
from "artifacts"."main"."dim_customers_v1"
where id is null


