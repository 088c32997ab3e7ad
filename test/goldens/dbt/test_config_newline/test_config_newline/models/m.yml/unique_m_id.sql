
    
    

select
    id as unique_field,
    count(*) as n_records

from (select * from "test_config_newline"."main"."m" where id > 0) dbt_subquery
where id is not null
group by id
having count(*) > 1


