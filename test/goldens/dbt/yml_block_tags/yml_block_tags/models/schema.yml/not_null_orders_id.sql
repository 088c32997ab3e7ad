
    
    



select id
from (select * from "yml_block_tags"."main"."orders" where id > 0) dbt_subquery
where id is null


