

with parent as (

    select
        customer_id as id

    from "dagster_asset_checks"."main"."customers"

),

duplicate_parent as (

    select
        customer_id as id

    from "dagster_asset_checks"."main"."customers"

),

child as (

    select
        customer_id as id

    from "dagster_asset_checks"."main"."orders"

)

select *
from child
where id is not null
  and id not in (select id from parent)
  and id not in (select id from duplicate_parent)

