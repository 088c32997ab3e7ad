
select * from "loop_refs"."main"."a"
union all

select * from "loop_refs"."main"."c"

