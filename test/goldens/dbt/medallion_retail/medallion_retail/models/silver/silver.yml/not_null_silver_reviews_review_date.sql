
    
    



select review_date
from "medallion"."silver"."silver_reviews"
where review_date is null


