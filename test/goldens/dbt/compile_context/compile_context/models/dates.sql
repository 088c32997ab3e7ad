select
    '2024-02-01' as next_day,
    '2023-12-24 23:00' as week_ago,
    '2024-01-01 00:00:00+00:00' as in_utc,
    '2024-03-05 10:20:30' as parsed,
    '1 day, 1:02:03' as span,
    '29' as feb_days,
    True as ordered,
    '2024-05-06 07:08:09' as naive