select
     array_join( collect_list(a) , ',')  as all_a,
     array_join( collect_list(a) , '|')  as ordered_a,
     array_join( slice( collect_list(a) , 1, 2) , ',')  as first_two
from `main`.dev.cross_db