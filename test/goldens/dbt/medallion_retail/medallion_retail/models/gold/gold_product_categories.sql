

with current_products as (

    select
        category,
        price
    from "medallion"."silver"."silver_products"

),

by_category as (

    select
        category,
        count(*) as product_count,
        round(avg(price), 2) as avg_price,
        min(price) as min_price,
        max(price) as max_price
    from current_products
    group by category

)

select
    c.category_id,
    b.category as category_name,
    c.description as category_description,
    c.typical_usage,
    b.product_count,
    b.avg_price,
    b.min_price,
    b.max_price
from by_category as b
left join "medallion"."bronze"."product_categories" as c
    on b.category = c.category_name