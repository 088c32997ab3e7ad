
    
    



select report_year
from "yaml_anchors"."main"."orders_by_year"
where report_year is null


