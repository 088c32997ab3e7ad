

select *
from "medallion"."landing"."orders"
where quantity < 0

