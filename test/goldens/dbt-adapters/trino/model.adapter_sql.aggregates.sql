select
     array_join( array_agg(a ) , ',')  as all_a,
     array_join( array_agg(a order by c) , '|')  as ordered_a,
     array_join( slice( array_agg(a order by c) , 1, 2) , ',')  as first_two
from "lake".dev.cross_db