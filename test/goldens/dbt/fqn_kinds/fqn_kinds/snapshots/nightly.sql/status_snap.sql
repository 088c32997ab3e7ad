

select distinct status from "fqn_kinds"."main"."stg_orders"