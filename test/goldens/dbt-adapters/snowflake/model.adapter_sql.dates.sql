-- dbt-databricks asks the warehouse for its runtime version in dateadd/datediff: compared on the other adapters.
select
    

    dateadd(
        day,
        7,
        d
        )

 as d_plus_week,
    

    dateadd(
        month,
        -1,
        d
        )

 as d_minus_month,
    datediff(
        day,
        d,
        e
        ) as days,
    datediff(
        week,
        d,
        e
        ) as weeks,
    datediff(
        month,
        d,
        e
        ) as months,
    datediff(
        hour,
        d,
        e
        ) as hours,
    cast(
        

    dateadd(
        day,
        -1,
        

    dateadd(
        month,
        1,
        date_trunc('month', d)
        )


        )


        as date) as month_end
from "analytics".dev.cross_db