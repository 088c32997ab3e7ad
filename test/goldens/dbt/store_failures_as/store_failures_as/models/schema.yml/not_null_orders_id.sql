
    
    



select *
from "store_failures_as"."main"."orders"
where id is null


