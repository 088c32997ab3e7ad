
    
    



select waiter_id
from (select * from "memory"."sushi"."waiter_as_customer_by_day" where waiter_id > 1) dbt_subquery
where waiter_id is null


