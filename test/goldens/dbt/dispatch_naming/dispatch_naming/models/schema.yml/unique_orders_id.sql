
    
    
select id as duplicated_value, count(*) as occurrences
from "dispatch_naming"."sales"."orders"
group by id
having count(*) > 1

