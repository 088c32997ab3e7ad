select id from "dispatch_naming"."sales"."orders"
union all
select id from "dispatch_naming"."pkg_schema"."pkg_orders"