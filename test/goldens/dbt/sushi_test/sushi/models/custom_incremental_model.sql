

SELECT
    current_timestamp as created_at,
    hash(current_timestamp) as id,