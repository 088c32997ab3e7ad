
    
    



select id
from master_jaffle_shop.main.raw_customers
where id is null


