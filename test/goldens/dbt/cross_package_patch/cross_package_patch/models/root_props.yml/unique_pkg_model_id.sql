
    
    

select
    id as unique_field,
    count(*) as n_records

from "cross_package_patch"."main"."pkg_model"
where id is not null
group by id
having count(*) > 1


