select e.id, u.name, 'open' as status
from "RAW_DB"."app"."events" as e
join "RAW_DB"."app"."users" as u on u.id = e.id
union all
select id, name, status from "lake".dev.cross_db