
    
    

select
    id as unique_field,
    count(*) as n_records

from "store_failures_as"."main"."orders"
where id is not null
group by id
having count(*) > 1


