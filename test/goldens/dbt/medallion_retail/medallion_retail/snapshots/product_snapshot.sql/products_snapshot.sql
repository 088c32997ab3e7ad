



select
    id,
    created_at,
    title,
    category,
    ean,
    vendor,
    price
from "medallion"."landing"."products"
