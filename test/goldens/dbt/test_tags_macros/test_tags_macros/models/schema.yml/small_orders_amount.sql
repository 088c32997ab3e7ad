
select * from "test_tags_macros"."main"."orders" where amount > 100 and now() is not null
