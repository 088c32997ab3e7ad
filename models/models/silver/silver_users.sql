select
    id,
    created_at,
    city,
    state,
    year({{ dbt.safe_cast('birth_date', 'date') }}) as birth_year,
    source as sales_channel
from {{ ref('bronze_users') }}
