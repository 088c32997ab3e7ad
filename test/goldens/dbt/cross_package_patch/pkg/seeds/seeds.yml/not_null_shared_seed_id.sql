
    
    



select id
from "cross_package_patch"."main"."shared_seed"
where id is null


