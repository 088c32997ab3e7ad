

select * from "loop_refs"."main"."d"