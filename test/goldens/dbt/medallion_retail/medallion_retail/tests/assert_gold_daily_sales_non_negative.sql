-- Singular test: no day, product and customer segment may have negative revenue.
select
    order_date,
    product_name,
    total_revenue
from "medallion"."gold"."gold_daily_sales"
where total_revenue < 0