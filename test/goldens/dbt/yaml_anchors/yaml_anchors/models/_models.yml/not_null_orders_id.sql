
    
    



select id
from "yaml_anchors"."main"."orders"
where id is null


