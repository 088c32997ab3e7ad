

select
    event_id,
    user_id,
    event_type,
    occurred_at,
    amount
from "xdb"."main"."stg_events"
where not is_test