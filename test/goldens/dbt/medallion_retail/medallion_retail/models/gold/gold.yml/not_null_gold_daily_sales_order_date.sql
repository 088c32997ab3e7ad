
    
    



select order_date
from "medallion"."gold"."gold_daily_sales"
where order_date is null


