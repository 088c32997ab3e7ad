select *
from "memory"."sushi_raw"."items"
where price <= 0