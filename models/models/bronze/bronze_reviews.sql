select
    id,
    created_at,
    reviewer,
    product_id,
    rating,
    body,
    {{ current_timestamp() }} as _loaded_at
from {{ source('landing', 'reviews') }}
