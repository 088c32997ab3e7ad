
    
    



select status
from (select * from "analytics".dev.relations where status <> 'open') dbt_subquery
where status is null


