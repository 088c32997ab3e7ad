
    
    



select id
from "yaml_anchors"."main"."orders_by_year"
where id is null


