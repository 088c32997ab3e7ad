-- dbt-databricks asks the warehouse for its runtime version in dateadd/datediff: compared on the other adapters.
select
    date_add('day', 7, d) as d_plus_week,
    date_add('month', -1, d) as d_minus_month,
    ((to_milliseconds((CAST(CAST(e AS TIMESTAMP) AS DATE) - CAST(CAST(d AS TIMESTAMP) AS DATE)))) / 86400000) as days,
    (((to_milliseconds((CAST(CAST(e AS TIMESTAMP) AS DATE) - CAST(CAST(d AS TIMESTAMP) AS DATE)))) / 86400000) / 7 + case
            when dow(CAST(d AS TIMESTAMP)) <= dow(CAST(e AS TIMESTAMP)) then
                case when d <= e then 0 else -1 end
            else
                case when d <= e then 1 else 0 end
        end) as weeks,
    ((year(CAST(e AS TIMESTAMP)) - year(CAST(d AS TIMESTAMP))) * 12) + month(CAST(e AS TIMESTAMP)) - month(CAST(d AS TIMESTAMP)) as months,
    (((to_milliseconds((CAST(CAST(e AS TIMESTAMP) AS DATE) - CAST(CAST(d AS TIMESTAMP) AS DATE)))) / 86400000) * 24 + hour(CAST(e AS TIMESTAMP)) - hour(CAST(d AS TIMESTAMP))) as hours,
    cast(
        date_add('day', -1, date_add('month', 1, date_trunc('month', d)))
        as date) as month_end
from "lake".dev.cross_db