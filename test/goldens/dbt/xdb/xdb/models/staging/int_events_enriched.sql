with __dbt__cte__int_events_base as (


select
    event_id,
    user_id,
    event_type,
    occurred_at,
    amount
from "xdb"."main"."stg_events"
where not is_test
) -- An ephemeral model on top of another ephemeral model.
select
    *,
    date_trunc('day', occurred_at) as event_day
from __dbt__cte__int_events_base