
    
    



select category_id
from "medallion"."bronze"."product_categories"
where category_id is null


