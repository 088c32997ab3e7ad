select
    cast(r.created_at as date) as review_date,
    r.product_id,
    p.product_name,
    avg(r.rating) as avg_rating
from {{ ref('bronze_reviews') }} as r
left join {{ ref('silver_products') }} as p
    on r.product_id = p.id
group by all
