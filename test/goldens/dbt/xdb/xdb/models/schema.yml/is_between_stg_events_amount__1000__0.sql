
select *
from (select * from "xdb"."main"."stg_events" where event_type = 'purchase') dbt_subquery
where amount < 0

   or amount > 1000

