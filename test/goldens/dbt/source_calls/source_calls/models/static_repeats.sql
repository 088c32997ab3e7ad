select * from "source_calls"."main"."events"
union all
select * from "source_calls"."main"."events"