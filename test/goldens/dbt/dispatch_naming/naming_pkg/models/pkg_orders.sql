
select 2 as id, '"dispatch_naming"."pkg_schema"."pkg_orders"' as relation_name, now() as loaded_at