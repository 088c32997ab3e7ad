

select *
from "medallion"."silver"."silver_orders"
where order_amount < 0

