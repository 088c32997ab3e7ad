
    
    



select review_date
from "medallion"."gold"."gold_daily_avg_rating"
where review_date is null


