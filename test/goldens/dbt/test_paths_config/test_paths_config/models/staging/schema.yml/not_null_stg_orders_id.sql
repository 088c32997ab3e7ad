
    
    



select id
from "test_paths_config"."main"."stg_orders"
where id is null


