
    
    



select user_id
from "xdb"."main"."dim_users_v2"
where user_id is null


