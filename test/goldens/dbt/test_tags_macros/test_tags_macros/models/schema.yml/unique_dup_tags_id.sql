
    
    

select
    id as unique_field,
    count(*) as n_records

from "test_tags_macros"."main"."dup_tags"
where id is not null
group by id
having count(*) > 1


