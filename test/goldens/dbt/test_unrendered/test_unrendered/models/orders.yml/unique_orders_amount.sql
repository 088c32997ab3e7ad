
    
    

select
    amount as unique_field,
    count(*) as n_records

from "test_unrendered"."main"."orders"
where amount is not null
group by amount
having count(*) > 1


