{#-
    Override of dbt's current_timestamp(): every model of one run (and the snapshot, through
    snapshot_get_time) stamps the same instant, the start of the run, instead of the moment
    each statement happens to execute. The literal is formatted without a time zone so that
    the cast means the same on DuckDB and on Databricks.
-#}
{% macro current_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
