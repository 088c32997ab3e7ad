
    
    



select *
from "store_failures_as"."main"."orders"
where status is null


