select
    id,
    created_at,
    name,
    email,
    city,
    state,
    cast(zip as TEXT) as zip,
    birth_date,
    source,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."users"