

select * from "fqn_kinds"."main"."stg_orders"