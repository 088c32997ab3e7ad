select
    o.order_date,
    {{ dbt.date_trunc('month', 'o.order_date') }} as order_month,
    p.product_name,
    p.category,
    p.vendor,
    u.city,
    u.state,
    u.sales_channel,
    sum(o.order_amount) as total_revenue
from {{ ref('silver_orders') }} as o
left join {{ ref('silver_products') }} as p
    on o.product_id = p.id
left join {{ ref('silver_users') }} as u
    on o.user_id = u.id
group by all
