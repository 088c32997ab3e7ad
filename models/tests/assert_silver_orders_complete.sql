-- Singular test: silver_orders keeps every bronze order (no row lost or duplicated).
with bronze as (
    select count(*) as n from {{ ref('bronze_orders') }}
),
silver as (
    select count(*) as n from {{ ref('silver_orders') }}
)
select
    bronze.n as bronze_rows,
    silver.n as silver_rows
from bronze
cross join silver
where bronze.n <> silver.n
