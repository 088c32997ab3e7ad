
    
    



select status
from (select * from `analytics-project`.dev.relations where status <> 'open') dbt_subquery
where status is null


