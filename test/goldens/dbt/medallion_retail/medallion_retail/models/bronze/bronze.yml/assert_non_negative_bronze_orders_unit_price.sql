

select *
from "medallion"."bronze"."bronze_orders"
where unit_price < 0

