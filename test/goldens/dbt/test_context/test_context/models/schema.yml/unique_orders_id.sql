
    
    

select
    id as unique_field,
    count(*) as n_records

from (select * from main.orders where id > 0) as filtered
where id is not null
group by id
having count(*) > 1


