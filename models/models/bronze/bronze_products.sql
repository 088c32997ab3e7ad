select
    id,
    created_at,
    title,
    category,
    ean,
    vendor,
    price,
    {{ current_timestamp() }} as _loaded_at
from {{ source('landing', 'products') }}
