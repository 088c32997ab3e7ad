select
    string_agg(
        a,
        ','
        
        
        ) as all_a,
    string_agg(
        a,
        '|'
        order by c
        
        ) as ordered_a,
    string_agg(
        a,
        ','
        order by c
        limit 2
        ) as first_two
from `analytics-project`.dev.cross_db