
select * from "test_unrendered"."main"."orders" where amount <= 0
