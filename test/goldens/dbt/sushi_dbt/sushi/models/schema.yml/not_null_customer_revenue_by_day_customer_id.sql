
    
    



select customer_id
from "memory"."sushi"."customer_revenue_by_day"
where customer_id is null


