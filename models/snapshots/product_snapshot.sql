{#-
    History of the product catalogue (type-2): a product whose created_at moved forward gets a
    new version; the previous one is closed by setting dbt_valid_to. target_schema (bronze)
    comes from dbt_project.yml.
-#}
{% snapshot products_snapshot %}

{{
    config(
        unique_key='id',
        strategy='timestamp',
        updated_at='created_at'
    )
}}

select
    id,
    created_at,
    title,
    category,
    ean,
    vendor,
    price
from {{ source('landing', 'products') }}

{% endsnapshot %}
