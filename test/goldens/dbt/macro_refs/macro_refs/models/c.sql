
with dim_date as (select * from "macro_refs"."main"."dim_date"),
first_a as (select * from "macro_refs"."main"."a")

select * from dim_date