
select * from "artifacts"."main"."orders" where amount < 0.5
