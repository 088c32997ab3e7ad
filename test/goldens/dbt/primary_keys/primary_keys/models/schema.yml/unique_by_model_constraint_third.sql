
    
    

select
    third as unique_field,
    count(*) as n_records

from "primary_keys"."main"."by_model_constraint"
where third is not null
group by third
having count(*) > 1


