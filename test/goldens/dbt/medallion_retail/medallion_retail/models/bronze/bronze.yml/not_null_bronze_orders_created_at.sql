
    
    



select created_at
from "medallion"."bronze"."bronze_orders"
where created_at is null


