
    
    



select order_date
from "medallion"."silver"."silver_orders"
where order_date is null


