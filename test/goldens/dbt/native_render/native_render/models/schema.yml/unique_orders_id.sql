
    
    

select
    id as unique_field,
    count(*) as n_records

from (select * from "native_render"."main"."orders" where id > 0) dbt_subquery
where id is not null
group by id
having count(*) > 1


