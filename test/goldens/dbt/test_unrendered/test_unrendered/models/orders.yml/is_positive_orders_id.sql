
select * from "test_unrendered"."main"."orders" where id <= 0
