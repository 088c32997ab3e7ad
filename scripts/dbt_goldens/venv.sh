# Sourced by the dbt scripts: makes sure $DBT_VENV (default <repo>/.cache/dbt-venv) holds exactly
# scripts/dbt_goldens/requirements.txt (dbt-core 1.12.6, dbt-duckdb 1.11.1, duckdb 1.5.6) and
# exports DBT (the dbt executable) and PY (the venv's python).
#
# dbt-core 1.12.6 requires dbt-core-experimental-parser, whose sdist fetches a binary from outside
# the package registries at build time; the parser is only used with the opt-in --use-v2-parser
# flag, so the venv is installed from a complete pinned list with --no-deps instead.
REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
DBT_VENV="${DBT_VENV:-$REPO_ROOT/.cache/dbt-venv}"
_req="$REPO_ROOT/scripts/dbt_goldens/requirements.txt"
_stamp="$DBT_VENV/.medallion-requirements"
if [ ! -x "$DBT_VENV/bin/dbt" ] || ! cmp -s "$_req" "$_stamp"; then
  echo "[dbt-venv] installing $(grep -c '==' "$_req") pinned packages into $DBT_VENV" >&2
  python3 -m venv "$DBT_VENV"
  "$DBT_VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$_req" >&2
  cp "$_req" "$_stamp"
fi
DBT="$DBT_VENV/bin/dbt"
PY="$DBT_VENV/bin/python"
# No telemetry, no version check against the network, no colours in logs.
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1 DBT_USE_COLORS=false
export DBT_PARTIAL_PARSE=false
