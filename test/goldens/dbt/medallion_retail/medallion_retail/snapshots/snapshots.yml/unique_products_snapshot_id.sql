
    
    

select
    id as unique_field,
    count(*) as n_records

from (select * from "medallion"."bronze"."products_snapshot" where dbt_valid_to is null) dbt_subquery
where id is not null
group by id
having count(*) > 1


