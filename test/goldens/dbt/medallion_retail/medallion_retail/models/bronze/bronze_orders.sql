

-- Orders arrive in batches of landing files, and an order can arrive late: in a later file, with a
-- created_at older than orders already loaded. So each run loads the files this table has not seen
-- yet (every landing relation names each row's file in _landing_file), whatever their dates, and
-- merges on id: an order delivered again replaces its earlier row instead of adding a second one.
-- See docs/incremental-landing.md.
select
    id,
    created_at,
    user_id,
    product_id,
    quantity,
    unit_price,
    _landing_file,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."orders"

