
select *
from "xdb"."main"."stg_events"
where occurred_at > cast('2100-01-01' as timestamp)