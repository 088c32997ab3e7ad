-- dbt-databricks asks the warehouse for its runtime version in dateadd/datediff: compared on the other adapters.
select
    

        datetime_add(
            cast( d as datetime),
        interval 7 day
        )

 as d_plus_week,
    

        datetime_add(
            cast( d as datetime),
        interval -1 month
        )

 as d_minus_month,
    

    datetime_diff(
        cast(e as datetime),
        cast(d as datetime),
        day
    )

   as days,
    

    datetime_diff(
        cast(e as datetime),
        cast(d as datetime),
        week
    )

   as weeks,
    

    datetime_diff(
        cast(e as datetime),
        cast(d as datetime),
        month
    )

   as months,
    

    datetime_diff(
        cast(e as datetime),
        cast(d as datetime),
        hour
    )

   as hours,
    cast(
        

        datetime_add(
            cast( 

        datetime_add(
            cast( timestamp_trunc(
        cast(d as timestamp),
        month
    ) as datetime),
        interval 1 month
        )

 as datetime),
        interval -1 day
        )


        as date) as month_end
from `analytics-project`.dev.cross_db