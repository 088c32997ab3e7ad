
select other, id from "primary_keys"."main"."by_combination" group by other, id having count(*) > 1
