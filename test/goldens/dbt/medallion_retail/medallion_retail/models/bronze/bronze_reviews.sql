select
    id,
    created_at,
    reviewer,
    product_id,
    rating,
    body,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."reviews"