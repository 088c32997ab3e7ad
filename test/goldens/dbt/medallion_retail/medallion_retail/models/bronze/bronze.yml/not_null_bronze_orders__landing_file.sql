
    
    



select _landing_file
from "medallion"."bronze"."bronze_orders"
where _landing_file is null


