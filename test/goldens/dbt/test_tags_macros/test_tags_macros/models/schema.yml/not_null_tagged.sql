
select * from "test_tags_macros"."main"."orders" where id is null
