select
    cast(event_id as TEXT) as as_string,
    cast(event_id as integer) as as_int,
    cast(event_id as bigint) as as_bigint,
    cast(amount as float) as as_float,
    cast(amount as numeric(28,6)) as as_numeric,
    cast(occurred_at as timestamp) as as_timestamp,
    cast(is_test as boolean) as as_boolean
from "xdb"."main"."stg_events"