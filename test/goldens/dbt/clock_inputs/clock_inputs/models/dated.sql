

select * from "clock_inputs"."main"."a"
