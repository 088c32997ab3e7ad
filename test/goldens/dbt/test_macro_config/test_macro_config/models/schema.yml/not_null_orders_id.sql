
    
    



select id
from "test_macro_config"."main"."orders"
where id is null


