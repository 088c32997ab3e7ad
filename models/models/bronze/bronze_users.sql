select
    id,
    created_at,
    name,
    email,
    city,
    state,
    cast(zip as {{ dbt.type_string() }}) as zip,
    birth_date,
    source,
    {{ current_timestamp() }} as _loaded_at
from {{ source('landing', 'users') }}
