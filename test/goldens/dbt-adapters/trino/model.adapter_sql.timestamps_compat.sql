select 
    current_timestamp::timestamp
 as created_at, 
    current_timestamp::timestamp
 as created_at_utc