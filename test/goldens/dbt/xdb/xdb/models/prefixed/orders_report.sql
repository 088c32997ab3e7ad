-- Tagged `legacy` by its folder: the project's generate_alias_name prefixes the alias.
select event_type, count(*) as n
from "xdb"."main"."stg_events"
group by event_type