
    
    

select
    customer_id as unique_field,
    count(*) as n_records

from "dagster_model_versions"."main"."stg_customers_v1"
where customer_id is not null
group by customer_id
having count(*) > 1


