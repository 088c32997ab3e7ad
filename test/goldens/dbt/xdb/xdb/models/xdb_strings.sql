select
    event_id,
    event_type || '-' || cast(user_id as TEXT) as type_and_user,
    md5(cast(payload as TEXT)) as payload_hash,
    

    replace(
        payload,
        '-',
        '_'
    )


 as payload_underscored,
    

    length(
        payload
    ) as payload_length,
    

    position(
        '-' in payload
    ) as first_dash,
    

    right(
        payload,
        3
    ) as last_three,
    
    string_split(payload, '-')[ 2 ]
 as second_part,
    
    string_split(payload, '-')[ -1 ]
 as last_part,
    
  
    cast(is_test as TEXT)

 as is_test_text,
    
    
    cast(payload as integer)
 as payload_as_int,
    
    cast(amount as float)
 as amount_float,
    'abc' as string_literal,
    'it''s' as escaped_literal
from "xdb"."main"."stg_events"