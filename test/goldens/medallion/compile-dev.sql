-- bronze_orders (models/bronze/bronze_orders.sql) → "medallion"."bronze"."bronze_orders"
-- Orders arrive in batches of landing files, and an order can arrive late: in a later file, with a
-- created_at older than orders already loaded. So each run loads the files this table has not seen
-- yet (every landing relation names each row's file in _landing_file), whatever their dates, and
-- merges on id: an order delivered again replaces its earlier row instead of adding a second one.
-- See docs/incremental-landing.md.
select
    id,
    created_at,
    user_id,
    product_id,
    quantity,
    unit_price,
    _landing_file,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."orders"

-- bronze_products (models/bronze/bronze_products.sql) → "medallion"."bronze"."bronze_products"
select
    id,
    created_at,
    title,
    category,
    ean,
    vendor,
    price,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."products"

-- products_snapshot (snapshots/product_snapshot.sql) → "medallion"."bronze"."products_snapshot"
select
    id,
    created_at,
    title,
    category,
    ean,
    vendor,
    price
from "medallion"."landing"."products"

-- bronze_reviews (models/bronze/bronze_reviews.sql) → "medallion"."bronze"."bronze_reviews"
select
    id,
    created_at,
    reviewer,
    product_id,
    rating,
    body,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."reviews"

-- bronze_users (models/bronze/bronze_users.sql) → "medallion"."bronze"."bronze_users"
select
    id,
    created_at,
    name,
    email,
    city,
    state,
    cast(zip as TEXT) as zip,
    birth_date,
    source,
    cast('2024-01-01 00:00:00' as timestamp) as _loaded_at
from "medallion"."landing"."users"

-- silver_orders (models/silver/silver_orders.sql) → "medallion"."silver"."silver_orders"
select
    id,
    cast(created_at as date) as order_date,
    user_id,
    product_id,
    quantity,
    unit_price,
    round(quantity * unit_price, 2) as order_amount
from "medallion"."bronze"."bronze_orders"

-- silver_products (models/silver/silver_products.sql) → "medallion"."silver"."silver_products"
-- Current version of every product (the snapshot keeps the history).
select
    id,
    created_at,
    title as product_name,
    category,
    ean,
    vendor,
    price
from "medallion"."bronze"."products_snapshot"
where dbt_valid_to is null

-- silver_reviews (models/silver/silver_reviews.sql) → "medallion"."silver"."silver_reviews"
-- Reviews cleaned for reporting: one row per review, stars kept in the valid 1..5 range.
select
    id,
    cast(created_at as date) as review_date,
    product_id,
    rating,
    reviewer
from "medallion"."bronze"."bronze_reviews"
where rating between 1 and 5

-- silver_users (models/silver/silver_users.sql) → "medallion"."silver"."silver_users"
select
    id,
    created_at,
    city,
    state,
    year(cast(birth_date as date)) as birth_year,
    source as sales_channel
from "medallion"."bronze"."bronze_users"

-- assert_silver_orders_complete (tests/assert_silver_orders_complete.sql)
-- Singular test: silver_orders keeps every bronze order (no row lost or duplicated).
with bronze as (
    select count(*) as n from "medallion"."bronze"."bronze_orders"
),
silver as (
    select count(*) as n from "medallion"."silver"."silver_orders"
)
select
    bronze.n as bronze_rows,
    silver.n as silver_rows
from bronze
cross join silver
where bronze.n <> silver.n

-- gold_product_categories (models/gold/gold_product_categories.sql) → "medallion"."gold"."product_categories"
with current_products as (

    select
        category,
        price
    from "medallion"."silver"."silver_products"

),

by_category as (

    select
        category,
        count(*) as product_count,
        round(avg(price), 2) as avg_price,
        min(price) as min_price,
        max(price) as max_price
    from current_products
    group by category

)

select
    c.category_id,
    b.category as category_name,
    c.description as category_description,
    c.typical_usage,
    b.product_count,
    b.avg_price,
    b.min_price,
    b.max_price
from by_category as b
left join "medallion"."bronze"."product_categories" as c
    on b.category = c.category_name

-- gold_daily_avg_rating (models/gold/gold_daily_avg_rating.sql) → "medallion"."gold"."gold_daily_avg_rating"
select
    r.review_date,
    r.product_id,
    p.product_name,
    avg(r.rating) as avg_rating
from "medallion"."silver"."silver_reviews" as r
left join "medallion"."silver"."silver_products" as p
    on r.product_id = p.id
group by all

-- gold_daily_sales (models/gold/gold_daily_sales.sql) → "medallion"."gold"."gold_daily_sales"
select
    o.order_date,
    date_trunc('month', o.order_date) as order_month,
    p.product_name,
    p.category,
    p.vendor,
    u.city,
    u.state,
    u.sales_channel,
    sum(o.order_amount) as total_revenue
from "medallion"."silver"."silver_orders" as o
left join "medallion"."silver"."silver_products" as p
    on o.product_id = p.id
left join "medallion"."silver"."silver_users" as u
    on o.user_id = u.id
group by all

-- assert_gold_daily_sales_non_negative (tests/assert_gold_daily_sales_non_negative.sql)
-- Singular test: no day, product and customer segment may have negative revenue.
select
    order_date,
    product_name,
    total_revenue
from "medallion"."gold"."gold_daily_sales"
where total_revenue < 0

