

select *
from "medallion"."bronze"."bronze_orders"
where quantity < 0

