
    
    



select customer_id
from "memory"."sushi"."customers"
where customer_id is null


