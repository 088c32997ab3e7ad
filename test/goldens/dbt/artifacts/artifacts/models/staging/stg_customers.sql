

select id, name
from "artifacts"."landing"."customers_raw"