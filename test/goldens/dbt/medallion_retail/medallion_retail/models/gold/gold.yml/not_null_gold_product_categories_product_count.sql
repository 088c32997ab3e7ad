
    
    



select product_count
from "medallion"."gold"."product_categories"
where product_count is null


