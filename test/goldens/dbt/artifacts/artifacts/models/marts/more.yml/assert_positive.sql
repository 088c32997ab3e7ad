
select * from "artifacts"."main"."pkg_user" where id < 1
