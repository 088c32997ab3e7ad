
    
    



select id
from "cross_package_patch"."main"."root_only"
where id is null


