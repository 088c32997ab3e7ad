
    
    



select category_name
from "medallion"."bronze"."product_categories"
where category_name is null


