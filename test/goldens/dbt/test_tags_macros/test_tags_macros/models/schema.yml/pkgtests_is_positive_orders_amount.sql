
select * from "test_tags_macros"."main"."orders" where amount <= 0
