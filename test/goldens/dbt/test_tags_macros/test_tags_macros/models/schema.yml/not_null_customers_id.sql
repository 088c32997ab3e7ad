
select * from "test_tags_macros"."main"."customers" where id is null
