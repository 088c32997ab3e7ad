

select * from "xdb"."main"."stg_events"

