
    
    



select id
from "dispatch_naming"."sales"."orders"
where id is null


