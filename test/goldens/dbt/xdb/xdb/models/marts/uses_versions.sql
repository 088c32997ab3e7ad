select 'latest' as which, count(*) as n from "xdb"."main"."dim_users_v2"
union all
select 'v1' as which, count(*) as n from "xdb"."main"."dim_users_v1"
union all
select 'v2 by version' as which, count(*) as n from "xdb"."main"."dim_users_v2"
union all
select 'two-argument ref' as which, count(*) as n from "xdb"."main"."stg_events"