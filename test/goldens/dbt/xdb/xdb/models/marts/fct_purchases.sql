-- Uses two ephemeral models (one built on the other): dbt inlines both as __dbt__cte__ CTEs.
with  __dbt__cte__int_events_base as (


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
), purchases as (
    select * from __dbt__cte__int_events_enriched
    where event_type = 'purchase'
),
all_events as (
    select count(*) as n from __dbt__cte__int_events_base
)
select
    p.event_id,
    p.user_id,
    p.event_day,
    round(p.amount * 100 / 100.0, 2) as amount_dollars,
    a.n as events_total
from purchases as p
cross join all_events as a