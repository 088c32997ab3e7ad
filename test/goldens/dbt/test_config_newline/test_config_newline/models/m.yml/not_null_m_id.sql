
    
    



select id
from (select * from "test_config_newline"."main"."m" where id is not
null) dbt_subquery
where id is null


