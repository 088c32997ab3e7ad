select
    user_id,
    arbitrary(event_type) as some_event_type,
    bool_or(is_test) as any_test,
    
    string_agg(
        event_type,
        ', '
        order by occurred_at
        ) as types_in_order,
    list_aggr(
        (array_agg(
            event_type
            order by occurred_at desc
        ))[1:2],
        'string_agg',
        '|'
        ) as last_two_types,
    
    string_agg(
        payload,
        ','
        
        ) as payloads
from "xdb"."main"."stg_events"
group by user_id