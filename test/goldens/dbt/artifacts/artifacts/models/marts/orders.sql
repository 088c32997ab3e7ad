

select
    id,
    customer_id,
    round(amount_cents / 100.0, 2) as amount,
    status
from "artifacts"."main"."stg_orders"