with source as (
    select * from master_jaffle_shop.main.raw_customers

),

renamed as (

    select
        cast(id as int) as customer_id,
        first_name,
        last_name

    from source

)

select * from renamed