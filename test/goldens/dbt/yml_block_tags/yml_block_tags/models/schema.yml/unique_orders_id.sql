
    
    

select
    id as unique_field,
    count(*) as n_records

from (select * from "yml_block_tags"."main"."orders" where status = 'open' or status = 'closed') dbt_subquery
where id is not null
group by id
having count(*) > 1


