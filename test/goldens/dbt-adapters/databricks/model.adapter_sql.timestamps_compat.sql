select 
    current_timestamp::timestamp
 as created_at, 
    current_timestamp::timestamp
 as created_at_utc, 

    coalesce(to_date('2024-01-01'), nvl2(to_date('2024-01-01'), assert_true(to_date('2024-01-01') is not null), null))

 as checked_date