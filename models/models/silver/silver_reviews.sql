-- Reviews cleaned for reporting: one row per review, stars kept in the valid 1..5 range.
select
    id,
    cast(created_at as date) as review_date,
    product_id,
    rating,
    reviewer
from {{ ref('bronze_reviews') }}
where rating between 1 and 5
