
    
    



select id
from "test_parse_deps"."main"."customers"
where id is null


