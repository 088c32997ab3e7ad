#!/usr/bin/env bash
# Goldens for compiling on adapters Medallion only compiles for (Snowflake, BigQuery, Trino) and
# Databricks, from REAL dbt (scripts/dbt_goldens/requirements-adapters.txt: dbt-core 1.10.23 with
# dbt-snowflake, dbt-bigquery, dbt-trino, dbt-databricks):
#
#   test/goldens/dbt-adapters/<target>/<unique_id>.sql   what dbt compiled for each node
#   test/goldens/dbt-adapters/<target>/summary.json      per-node status (compile_each.py's summary)
#
# for every target of test/fixtures/adapter_sql/profiles.yml. Each node is compiled on its own by
# scripts/dbt_goldens/compile_each.py with every connection refused and relation lookups answered
# as on an empty warehouse (--empty-warehouse); run_started_at and invocation_id are pinned.
#
# The venv is $DBT_ADAPTERS_VENV (default <repo>/.cache/dbt-adapters-venv), created from the pinned
# list when missing; an existing venv is used only if it holds exactly that list (never modified).
#
# usage: scripts/dbt-adapter-goldens.sh [target ...]   (default: snowflake bigquery trino databricks)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$REPO_ROOT/scripts/dbt_goldens/requirements-adapters.txt"
VENV="${DBT_ADAPTERS_VENV:-$REPO_ROOT/.cache/dbt-adapters-venv}"
PROJECT="$REPO_ROOT/test/fixtures/adapter_sql"
GOLDENS="$REPO_ROOT/test/goldens/dbt-adapters"
WORK="$REPO_ROOT/.cache/dbt-adapter-goldens"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[adapter-goldens] installing $(grep -c '==' "$REQ") pinned packages into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$REQ" >&2
fi
if ! diff <(grep '==' "$REQ" | sort -f) <("$VENV/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null | grep '==' | sort -f) >&2; then
  echo "[adapter-goldens] $VENV does not hold exactly $REQ (diff above); point DBT_ADAPTERS_VENV elsewhere" >&2
  exit 1
fi

export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1 DBT_USE_COLORS=false DBT_PARTIAL_PARSE=false PYTHONWARNINGS=ignore
unset DBT_PROFILES_DIR DBT_PROJECT_DIR DBT_TARGET DBT_TARGET_PATH DBT_LOG_PATH || true

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(snowflake bigquery trino databricks)
for target in "${targets[@]}"; do
  out="$WORK/$target"
  rm -rf "$out"
  echo "[adapter-goldens] compile_each $target" >&2
  "$VENV/bin/python" "$REPO_ROOT/scripts/dbt_goldens/compile_each.py" --project-dir "$PROJECT" --profiles-dir "$PROJECT" \
    --target "$target" --out "$out" --empty-warehouse >&2
  rm -rf "${GOLDENS:?}/$target"
  mkdir -p "$GOLDENS/$target"
  # The summary without run-dependent timings; one compiled file per node.
  "$VENV/bin/python" - "$out/summary.json" "$GOLDENS/$target/summary.json" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
for key in ("parse_seconds", "compile_seconds"):
    summary.pop(key, None)
json.dump(summary, open(sys.argv[2], "w"), indent=1, sort_keys=True)
open(sys.argv[2], "a").write("\n")
PY
  for f in "$out"/*.sql; do cp "$f" "$GOLDENS/$target/"; done
done
