
    
    



select id
from "test_parse_deps"."main"."orders"
where id is null


