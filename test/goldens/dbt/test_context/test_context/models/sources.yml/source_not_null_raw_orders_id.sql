
    
    



select id
from "test_context"."landing"."orders"
where id is null


