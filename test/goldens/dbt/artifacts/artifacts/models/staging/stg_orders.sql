select id, customer_id, amount_cents, status
from "artifacts"."main_raw"."raw_orders"