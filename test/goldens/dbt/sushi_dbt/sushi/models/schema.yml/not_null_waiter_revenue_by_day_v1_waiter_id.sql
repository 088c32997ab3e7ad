
    
    



select waiter_id
from "memory"."sushi"."waiter_revenue_by_day_v1"
where waiter_id is null


