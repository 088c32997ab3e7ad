
    
    



select category
from "medallion"."silver"."silver_products"
where category is null


