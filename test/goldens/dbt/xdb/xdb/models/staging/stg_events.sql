

select
    event_id,
    user_id,
    event_type,
    cast(occurred_at as timestamp) as occurred_at,
    amount,
    is_test,
    payload
from "xdb"."main_raw"."raw_events"