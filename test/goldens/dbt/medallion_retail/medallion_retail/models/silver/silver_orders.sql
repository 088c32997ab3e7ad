select
    id,
    cast(created_at as date) as order_date,
    user_id,
    product_id,
    quantity,
    unit_price,
    round(quantity * unit_price, 2) as order_amount
from "medallion"."bronze"."bronze_orders"