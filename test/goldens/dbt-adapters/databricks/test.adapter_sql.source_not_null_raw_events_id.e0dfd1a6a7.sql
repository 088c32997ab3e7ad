
    
    



select id
from `raw_db`.`app`.`events`
where id is null


