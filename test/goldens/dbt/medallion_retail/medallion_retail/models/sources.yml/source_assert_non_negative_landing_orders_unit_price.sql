

select *
from "medallion"."landing"."orders"
where unit_price < 0

