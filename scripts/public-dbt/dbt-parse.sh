#!/usr/bin/env bash
# /work/public-dbt/dbt-parse.sh (copied there by setup.sh): dbt's own manifest of one public project.
# usage: dbt-parse.sh PROJECT_DIR PROFILES_DIR OUT_DIR   -> OUT_DIR/target/manifest.json, OUT_DIR/logs
# The `export` lines are DUMMY values for the env_var() calls of the projects' profiles (dbt parse
# does not connect); bench/cold-start-bench.js and compare.mjs `--env` read them (KEY=VALUE, no
# quotes, no spaces). Never put a real credential here.
# mattermost_snowflake, mattermost_analytics (profile/profiles.yml, Snowflake)
export SNOWFLAKE_ACCOUNT=dummy_account
export SNOWFLAKE_USER=dummy_user
export SNOWFLAKE_PASSWORD=dummy_password
export SNOWFLAKE_TRANSFORM_DATABASE=dummy_database
export SNOWFLAKE_TRANSFORM_ROLE=dummy_role
export SNOWFLAKE_TRANSFORM_SCHEMA=dummy_schema
# tuva (profiles/databricks/profiles.yml, copied from integration_tests/profiles/databricks)
export DBT_DATABRICKS_CI_HOST=dummy.cloud.databricks.com
export DBT_DATABRICKS_CI_HTTP_PATH=/sql/1.0/warehouses/dummy
export DBT_DATABRICKS_CI_TOKEN=dummy_token
export DBT_DATABRICKS_CI_CATALOG=dummy_catalog
# ol_dbt's Trino targets qa and production only (its default target dev_local is DuckDB and reads HOME)
export DBT_TRINO_USERNAME=dummy_user
export DBT_TRINO_PASSWORD=dummy_password
# gnosis_cerebro (the project's profiles.yml, ClickHouse; CEREBRO_PII_SALT: macros/pseudonymize_address.sql)
export CLICKHOUSE_URL=dummy.clickhouse.local
export CLICKHOUSE_DATABASE=dummy_database
export CLICKHOUSE_USER=dummy_user
export CLICKHOUSE_PASSWORD=dummy_password
export CEREBRO_PII_SALT=00000000
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT="$(cd "${1:?project dir}" && pwd)"
PROFILES="$(cd "${2:?profiles dir}" && pwd)"
mkdir -p "${3:?out dir}"
OUT="$(cd "$3" && pwd)"
cd "$PROJECT"
DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1 DBT_USE_COLORS=false DBT_PARTIAL_PARSE=false PYTHONWARNINGS=ignore \
  exec "${DBT:-$HERE/venv-adapters/bin/dbt}" parse --no-partial-parse --profiles-dir "$PROFILES" \
  --target-path "$OUT/target" --log-path "$OUT/logs"
