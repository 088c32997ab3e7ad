{#-
    Use the custom schema as is (trimmed) instead of dbt's default `<target.schema>_<custom>`:
    `+schema: silver` builds into `silver`. Models without a custom schema go to target.schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
