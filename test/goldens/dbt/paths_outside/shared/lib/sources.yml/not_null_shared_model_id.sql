
    
    



select id
from "paths_outside"."main"."shared_model"
where id is null


