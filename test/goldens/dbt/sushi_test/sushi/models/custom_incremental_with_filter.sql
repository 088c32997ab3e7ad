

SELECT
    CAST('2024-01-01 00:00:00+00:00' AS TIMESTAMP) as created_at,
    hash('2024-01-01 00:00:00+00:00') as id,