
    
    



select waiter_id
from "memory"."sushi"."top_waiters"
where waiter_id is null


