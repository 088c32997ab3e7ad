with source as (
    select * from "dagster_asset_checks"."main"."raw_fail_tests_model"

),

renamed as (

    select
        id,
        first_name,
        last_name

    from source

)

select * from renamed