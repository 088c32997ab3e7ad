
select * from "artifacts"."main"."orders" where id < 1
