
    
    



select user_id
from "xdb"."main"."dim_users_v1"
where user_id is null


