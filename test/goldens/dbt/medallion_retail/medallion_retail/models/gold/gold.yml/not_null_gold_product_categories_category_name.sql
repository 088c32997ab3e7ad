
    
    



select category_name
from "medallion"."gold"."product_categories"
where category_name is null


