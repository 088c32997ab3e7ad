

select
  '2024-01-01 00:00:00+00:00' as started,
  '2024-01-01T00:00:00+00:00' as iso,
  '20240101' as compact,
  2024 as year,
  '' as empty_pick