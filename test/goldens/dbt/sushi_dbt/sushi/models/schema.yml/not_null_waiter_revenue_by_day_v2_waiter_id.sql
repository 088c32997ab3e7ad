
    
    



select waiter_id
from "memory"."sushi"."waiter_revenue_by_day_v2"
where waiter_id is null


