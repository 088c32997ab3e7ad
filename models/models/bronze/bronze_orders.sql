{{
    config(
        materialized='incremental',
        unique_key='id'
    )
}}

-- Orders arrive in batches; each run only appends orders newer than the newest one loaded.
select
    id,
    created_at,
    user_id,
    product_id,
    quantity,
    unit_price,
    {{ current_timestamp() }} as _loaded_at
from {{ source('landing', 'orders') }}

{% if is_incremental() %}
where created_at > (
    select coalesce(max(created_at), cast('1900-01-01' as timestamp))
    from {{ this }}
)
{% endif %}
