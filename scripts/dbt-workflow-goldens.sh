#!/usr/bin/env bash
# Goldens for the daily dbt workflows, from the pinned dbt-core 1.12.6 + dbt-duckdb 1.11.1
# (scripts/dbt_goldens/requirements.txt). Not run by CI: the tests read the committed goldens.
#
#   contracts   test/fixtures/contracts → test/goldens/dbt/contracts/{results,tables}.json
#
# usage: scripts/dbt-workflow-goldens.sh [workflow ...]     (default: all)
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# shellcheck source=dbt_goldens/venv.sh
source "$REPO_ROOT/scripts/dbt_goldens/venv.sh"
unset DBT_PROFILES_DIR DBT_PROJECT_DIR DBT_TARGET DBT_TARGET_PATH DBT_LOG_PATH DBT_STATE DBT_DEFER || true
WORK="$REPO_ROOT/.cache/dbt-goldens/workflows"
GOLDENS="$REPO_ROOT/test/goldens/dbt"
HELPERS="$REPO_ROOT/scripts/dbt_goldens"

# A fresh copy of a fixture (dbt writes target/ and logs/ into the project) with throwaway databases.
fresh_copy() {
  local label="$1" fixture="$2"
  rm -rf "${WORK:?}/$label"
  mkdir -p "$WORK/$label"
  cp -r "$fixture" "$WORK/$label/project"
  rm -rf "$WORK/$label/project/target" "$WORK/$label/project/logs"
  "$PY" "$HELPERS/make_profiles.py" "$WORK/$label/project" "$WORK/$label/profiles" "$WORK/$label/db"
}

contracts() {
  fresh_copy contracts "$REPO_ROOT/test/fixtures/contracts"
  (cd "$WORK/contracts/project" && "$PY" "$HELPERS/contracts.py" . "$WORK/contracts/profiles" "$GOLDENS/contracts")
  "$PY" "$HELPERS/contracts.py" --tables "$WORK/contracts/profiles" "$GOLDENS/contracts"
  echo "[goldens] wrote test/goldens/dbt/contracts" >&2
}

all=(contracts)
for workflow in "${@:-${all[@]}}"; do "$workflow"; done
