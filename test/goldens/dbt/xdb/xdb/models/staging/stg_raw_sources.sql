-- Sources: an identifier that differs from the table name, and per-source quoting.
select e.event_id, e.event_type, u.user_id
from "xdb"."raw_data".events_v1 as e
cross join "xdb"."raw_data"."users" as u