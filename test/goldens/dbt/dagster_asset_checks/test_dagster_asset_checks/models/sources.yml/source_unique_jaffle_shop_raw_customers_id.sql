
    
    

select
    id as unique_field,
    count(*) as n_records

from master_jaffle_shop.main.raw_customers
where id is not null
group by id
having count(*) > 1


