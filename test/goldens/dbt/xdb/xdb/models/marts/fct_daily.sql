with __dbt__cte__int_events_base as (


select
    event_id,
    user_id,
    event_type,
    occurred_at,
    amount
from "xdb"."main"."stg_events"
where not is_test
),  __dbt__cte__int_events_enriched as (
-- An ephemeral model on top of another ephemeral model.
select
    *,
    date_trunc('day', occurred_at) as event_day
from __dbt__cte__int_events_base
) select
    event_day,
    count(*) as events,
    sum(amount) as amount
from __dbt__cte__int_events_enriched
group by event_day