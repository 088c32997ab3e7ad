
    
    



select id
from "test_unrendered"."main"."orders"
where id is null


