
    
    

select
    other as unique_field,
    count(*) as n_records

from "primary_keys"."main"."by_unique_only"
where other is not null
group by other
having count(*) > 1


