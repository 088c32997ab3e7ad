
select id, true as storing from "store_failures_as"."main"."orders" where false
