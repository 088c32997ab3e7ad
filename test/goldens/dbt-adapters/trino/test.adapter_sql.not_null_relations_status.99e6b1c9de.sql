
    
    



select status
from (select * from "lake".dev.relations where status <> 'open') dbt_subquery
where status is null


