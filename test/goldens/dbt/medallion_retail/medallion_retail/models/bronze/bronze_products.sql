select
    id,
    created_at,
    title,
    category,
    ean,
    vendor,
    price,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."products"