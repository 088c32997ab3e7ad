# `dbt parse` with dbt's JSON-schema checks of dbt_project.yml and yml files switched on for
# dbt-duckdb too. dbt-core runs them only for some adapters (databricks, snowflake, bigquery,
# redshift); there they warn about unknown config keys (CustomKeyInConfigDeprecation) and
# misplaced properties. A scaffold must be clean for every adapter, so check it as Databricks would.
# (Not named dbt_*: dbt imports modules with that prefix as plugins.)
import dbt.jsonschemas.jsonschemas as jsonschemas

jsonschemas._JSONSCHEMA_SUPPORTED_ADAPTERS.add("duckdb")

from dbt.cli.main import cli  # noqa: E402

cli()
