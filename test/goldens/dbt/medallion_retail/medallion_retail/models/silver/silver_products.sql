-- Current version of every product (the snapshot keeps the history).
select
    id,
    created_at,
    title as product_name,
    category,
    ean,
    vendor,
    price
from "medallion"."bronze"."products_snapshot"
where dbt_valid_to is null