

select * from "compile_context"."main"."helpers"
where 1 = 1