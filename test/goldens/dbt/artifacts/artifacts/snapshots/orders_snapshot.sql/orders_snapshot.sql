

select * from "artifacts"."main"."stg_orders"