
select 1 where (select count(*) from "test_tags_macros"."main"."orders") = 0
