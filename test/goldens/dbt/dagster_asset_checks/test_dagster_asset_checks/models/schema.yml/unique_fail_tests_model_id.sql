
    
    

select
    id as unique_field,
    count(*) as n_records

from "dagster_asset_checks"."main"."fail_tests_model"
where id is not null
group by id
having count(*) > 1


