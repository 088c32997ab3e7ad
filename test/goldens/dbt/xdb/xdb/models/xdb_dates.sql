select
    event_id,
    date_trunc('month', occurred_at) as month_start,
    date_trunc('week', occurred_at) as week_start,
    

    (occurred_at + cast(7 as bigint) * interval 1 day) as plus_7_days,
    

    (occurred_at + cast(-1 as bigint) * interval 1 month) as minus_1_month,
    

    (occurred_at + (cast(1 as bigint) * 3) * interval 1 month) as plus_1_quarter,
    

    (occurred_at + (cast(user_id as bigint) * 7) * interval 1 day) as plus_user_id_weeks,
    

    (occurred_at + cast(2 as bigint) * interval 1 hour) as plus_2_hours,
    
        (date_diff('day', cast('2024-01-01' as timestamp)::timestamp, occurred_at::timestamp ))
     as days_since_new_year,
    
            (
        (date_diff('day', cast('2024-01-01' as timestamp)::timestamp, occurred_at::timestamp ))
     // 7 + case
            when date_part('dow', (cast('2024-01-01' as timestamp))::timestamp) <= date_part('dow', (occurred_at)::timestamp) then
                case when cast('2024-01-01' as timestamp) <= occurred_at then 0 else -1 end
            else
                case when cast('2024-01-01' as timestamp) <= occurred_at then 1 else 0 end
        end)
     as weeks_since_new_year,
    
        (date_diff('month', cast('2024-01-01' as timestamp)::timestamp, occurred_at::timestamp ))
     as months_since_new_year,
    cast(
        

    (

    (date_trunc('month', occurred_at) + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) as month_end,
    -- duckdb dateadd does not support quarter interval.
    cast(
        

    (

    (date_trunc('quarter', occurred_at) + cast(3 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) as quarter_end,
    make_date(2024, 1, 31) as fixed_date,
    now() as now_ts
from "xdb"."main"."stg_events"