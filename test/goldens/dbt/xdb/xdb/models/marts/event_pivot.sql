select
    user_id,
    sum(case when event_type = 'click' then 1 else 0 end) as click_count,
    sum(case when event_type = 'view' then 1 else 0 end) as view_count,
    sum(case when event_type = 'purchase' then 1 else 0 end) as purchase_count
    , max(case when event_type = 'click' then 1 end) as click_code_1
    , max(case when event_type = 'view' then 2 end) as view_code_2
    , max(case when event_type = 'purchase' then 3 end) as purchase_code_3
    
from "xdb"."main"."stg_events"
group by user_id