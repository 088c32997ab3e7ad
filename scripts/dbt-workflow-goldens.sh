#!/usr/bin/env bash
# Goldens for the daily dbt workflows, from the pinned dbt-core 1.12.6 + dbt-duckdb 1.11.1
# (scripts/dbt_goldens/requirements.txt). Not run by CI: the tests read the committed goldens.
#
#   contracts   test/fixtures/contracts → test/goldens/dbt/contracts/{results,tables}.json
#   retry       test/fixtures/workflows → test/goldens/dbt/workflows/retry.json: a build with
#               models/marts/flaky.sql broken, `dbt retry` after repairing it, and `dbt ls` of
#               result: selectors against the first build's artifacts
#   exposures   test/fixtures/workflows → test/goldens/dbt/workflows/exposures.json: the manifest's
#               exposures as `dbt parse` writes them (created_at left out)
#   catalog     test/fixtures/workflows → test/goldens/dbt/workflows/catalog.json: `dbt build`, then
#               `dbt docs generate`; its catalog.json without the invocation's metadata
#   state       test/fixtures/workflows built with --target prod (its artifacts are the state), then
#               changed by test/fixtures/workflows-state-edits.json → test/goldens/dbt/workflows/state/:
#               manifest.json (the state, without dbt's own macros), ls.json (`dbt ls -s <selector>
#               --state`), defer.json (a dev `build -s state:modified+ --defer`: statuses and the
#               relations each built model read)
#   freshness   test/fixtures/workflows → test/goldens/dbt/workflows/freshness.json: each source's
#               status from `dbt source freshness`, and the sources.json dbt wrote
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

# The workflows fixture with its landing relations created as Medallion creates them before a run.
workflows_copy() {
  fresh_copy "$1" "$REPO_ROOT/test/fixtures/workflows"
  export DBT_COMMON_ARGS="--project-dir $WORK/$1/project --profiles-dir $WORK/$1/profiles"
  "$PY" "$HELPERS/prepare_landing.py" "$WORK/$1/project" "$WORK/$1/db/workflows.duckdb" > /dev/null
}

retry() {
  workflows_copy retry
  local project="$WORK/retry/project" out="$GOLDENS/workflows"
  mkdir -p "$out"
  cp "$project/models/marts/flaky.sql" "$WORK/retry/flaky.sql"
  sed -i 's/select customer_id, orders from/select customer_id, no_such_column from/' "$project/models/marts/flaky.sql"
  "$PY" "$HELPERS/invoke.py" results build > "$WORK/retry/build.json"
  cp -r "$project/target" "$WORK/retry/state"
  cp "$WORK/retry/flaky.sql" "$project/models/marts/flaky.sql"
  "$PY" "$HELPERS/invoke.py" results retry > "$WORK/retry/retry.json"
  "$PY" "$HELPERS/invoke.py" ls "$WORK/retry/state" result:error result:error+ result:fail result:skipped result:warn result:success "+result:skipped" "result:error,resource_type:model" > "$WORK/retry/ls.json"
  "$PY" -c 'import json,sys; print(json.dumps({k: json.load(open(f"'"$WORK/retry"'/{k}.json")) for k in ("build", "retry", "ls")}, indent=1, sort_keys=True))' > "$out/retry.json"
  echo "[goldens] wrote test/goldens/dbt/workflows/retry.json" >&2
}

freshness() {
  workflows_copy freshness
  local out="$GOLDENS/workflows"
  mkdir -p "$out"
  "$PY" "$HELPERS/invoke.py" results source freshness > "$WORK/freshness/statuses.json" || true
  "$PY" -c 'import json; print(json.dumps({"statuses": json.load(open("'"$WORK/freshness/statuses.json"'")), "sources_json": json.load(open("'"$WORK/freshness/project/target/sources.json"'"))}, indent=1, sort_keys=True))' > "$out/freshness.json"
  echo "[goldens] wrote test/goldens/dbt/workflows/freshness.json" >&2
}

exposures() {
  workflows_copy exposures
  mkdir -p "$GOLDENS/workflows"
  (cd "$WORK/exposures/project" && "$DBT" parse --profiles-dir "$WORK/exposures/profiles" --no-partial-parse --quiet)
  "$PY" -c 'import json; m = json.load(open("'"$WORK/exposures/project/target/manifest.json"'")); print(json.dumps({k: {f: v for f, v in e.items() if f != "created_at"} for k, e in m["exposures"].items()}, indent=1, sort_keys=True))' > "$GOLDENS/workflows/exposures.json"
  echo "[goldens] wrote test/goldens/dbt/workflows/exposures.json" >&2
}

catalog() {
  workflows_copy catalog
  mkdir -p "$GOLDENS/workflows"
  "$PY" "$HELPERS/invoke.py" run build
  "$PY" "$HELPERS/invoke.py" run docs generate
  "$PY" -c 'import json; c = json.load(open("'"$WORK/catalog/project/target/catalog.json"'")); c["metadata"] = {k: c["metadata"][k] for k in ("dbt_schema_version", "dbt_version")}; print(json.dumps(c, indent=1, sort_keys=True))' > "$GOLDENS/workflows/catalog.json"
  echo "[goldens] wrote test/goldens/dbt/workflows/catalog.json" >&2
}

state() {
  workflows_copy state
  local project="$WORK/state/project" out="$GOLDENS/workflows/state"
  mkdir -p "$out"
  "$PY" "$HELPERS/invoke.py" run build --target prod
  cp -r "$project/target" "$WORK/state/prod-artifacts"
  "$PY" -c 'import json; m = json.load(open("'"$WORK/state/prod-artifacts/manifest.json"'")); m["macros"] = {k: v for k, v in m["macros"].items() if v["package_name"] not in ("dbt", "dbt_duckdb")}; print(json.dumps(m, indent=1, sort_keys=True))' > "$out/manifest.json"
  "$PY" "$HELPERS/apply_edits.py" "$project" "$REPO_ROOT/test/fixtures/workflows-state-edits.json"
  "$PY" "$HELPERS/invoke.py" ls "$WORK/state/prod-artifacts" \
    state:modified state:modified+ +state:modified @state:modified state:new state:old state:unmodified \
    state:modified.body state:modified.configs state:modified.relation state:modified.macros state:modified.contract \
    state:modified.persisted_descriptions "state:modified,resource_type:model" > "$out/ls.json"
  # The CI recipe in a fresh copy: production built, the edits (those that build), then a dev build of
  # what changed and its children, deferring to production for the rest.
  workflows_copy defer
  "$PY" "$HELPERS/invoke.py" run build --target prod
  cp -r "$WORK/defer/project/target" "$WORK/defer/prod-artifacts"
  "$PY" "$HELPERS/apply_edits.py" "$WORK/defer/project" "$REPO_ROOT/test/fixtures/workflows-state-edits.json" --build
  "$PY" "$HELPERS/invoke.py" relations build -s state:modified+ --defer --state "$WORK/defer/prod-artifacts" > "$out/defer.json"
  echo "[goldens] wrote test/goldens/dbt/workflows/state" >&2
}

all=(contracts retry freshness exposures catalog state)
for workflow in "${@:-${all[@]}}"; do "$workflow"; done
