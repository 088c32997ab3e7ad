select
    
    listagg(
        a,
        ','
        )
         as all_a,
    
    listagg(
        a,
        '|'
        )
        within group (order by c) as ordered_a,
    array_to_string(
        array_slice(
            array_agg(
                a
            )within group (order by c)
            ,0
            ,2
        ),
        ','
        ) as first_two
from "analytics".dev.cross_db