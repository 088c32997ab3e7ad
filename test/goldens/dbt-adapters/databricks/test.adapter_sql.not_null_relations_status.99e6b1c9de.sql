
    
    



select status
from (select * from `main`.dev.relations where status <> 'open') dbt_subquery
where status is null


