select 
  current_timestamp::timestamp
 as created_at, 
  convert_timezone('UTC', 
  current_timestamp::timestamp
)::timestamp
 as created_at_utc