

-- Orders arrive in batches; each run only appends orders newer than the newest one loaded.
select
    id,
    created_at,
    user_id,
    product_id,
    quantity,
    unit_price,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."orders"

