
    
    



select third
from "primary_keys"."main"."by_model_constraint"
where third is null


