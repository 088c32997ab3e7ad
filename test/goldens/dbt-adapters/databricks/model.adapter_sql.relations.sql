select e.id, u.name, 'open' as status
from `raw_db`.`app`.`events` as e
join `raw_db`.`app`.`users` as u on u.id = e.id
union all
select id, name, status from `main`.dev.cross_db