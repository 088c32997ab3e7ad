select
    r.review_date,
    r.product_id,
    p.product_name,
    avg(r.rating) as avg_rating
from "medallion"."silver"."silver_reviews" as r
left join "medallion"."silver"."silver_products" as p
    on r.product_id = p.id
group by all