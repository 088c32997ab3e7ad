



select order_id, customer_id, status
from "dagster_snapshot"."main"."orders"
