
    
    

select
    id as unique_field,
    count(*) as n_records

from "primary_keys"."main"."by_column_constraint"
where id is not null
group by id
having count(*) > 1


