
    
    



select report_year
from "yaml_anchors"."main"."orders"
where report_year is null


