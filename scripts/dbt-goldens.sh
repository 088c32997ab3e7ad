#!/usr/bin/env bash
# Regenerate the compiler goldens from REAL dbt (dbt-core 1.12.6 + dbt-duckdb 1.11.1):
#
#   test/goldens/dbt/<project>/<package>/<path>.sql   what `dbt compile` wrote to target/compiled
#   test/goldens/dbt/<project>/nodes.json             per-node facts from target/manifest.json
#
# Projects:
#   medallion_retail    models/                      (the sample project, target dev = DuckDB)
#   xdb                 test/fixtures/xdb/           (cross-database macros and Jinja features)
#   sushi_dbt, sushi_test, jaffle_shop_duckdb        public projects from PyPI (sqlmesh 0.236.4 sdist),
#   dagster_*                                        and dagster-dbt 0.29.27's sdist, fetched by
#                                                    scripts/fetch-public-project.sh
#   <name>              test/fixtures/parity/<name>/ (every folder there with a dbt_project.yml, or
#                                                    with the project in <name>/project/: add a
#                                                    fixture project, run this script)
#   duplicate_relation: dbt refuses to parse it; its golden is dbt's error (error.txt)
#   yml_errors/<case>   test/fixtures/parity/yml_errors/<case>/: descriptions dbt refuses to parse,
#                       one project each; goldens are dbt's errors (yml_errors/<case>/error.txt)
#
# Each golden folder also gets manifest.json: dbt's manifest without dbt's own macros and docs
# (packages dbt and dbt_<adapter>), pretty-printed and key-sorted for diffs, with the run-dependent
# fields (created_at, generated_at, root_path) pinned; and parse-macros.json, the tests'
# depends_on.macros as `dbt parse` records them (compile's render adds to them).
#
# The YAML goldens (test/goldens/yaml-dbt/) come from dbt's own yml loader on
# test/fixtures/yaml-dbt/*.yml (selected as `yaml`); test/goldens/dbt/manifest-v12.schema.json is
# dbt's manifest JSON schema as the pinned dbt-core generates it (selected as `schema`).
#
# Reproducibility:
#   - every DuckDB path of a profile is redirected to an empty throwaway file under
#     .cache/dbt-goldens/<project>/db/ (same file name => same database name); is_incremental() is
#     therefore false everywhere;
#   - run_started_at is pinned to 2024-01-01T00:00:00+00:00 and invocation_id to
#     00000000-0000-4000-8000-000000000000 (scripts/dbt_goldens/run_dbt.py);
#   - no partial parsing, no telemetry; environment variables that steer dbt are unset.
#
# usage: scripts/dbt-goldens.sh [project ...]     (default: all)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# shellcheck source=dbt_goldens/venv.sh
source "$REPO_ROOT/scripts/dbt_goldens/venv.sh"
unset DBT_PROFILES_DIR DBT_PROJECT_DIR DBT_TARGET DBT_TARGET_PATH DBT_LOG_PATH DBT_PACKAGES_INSTALL_PATH XDB_NOT_SET || true

WORK="$REPO_ROOT/.cache/dbt-goldens"
GOLDENS="$REPO_ROOT/test/goldens/dbt"
HELPERS="$REPO_ROOT/scripts/dbt_goldens"

# dbt <command> (compile, parse) on a project into $out/<target dir>, its log in $out/<command>.log.
run_dbt_into() {
  local label="$1" project_dir="$2" out="$3" command="$4" target="$5"
  if ! (cd "$project_dir" && "$PY" "$HELPERS/run_dbt.py" "$command" \
        --profiles-dir "$out/profiles" \
        --target-path "$out/$target" \
        --log-path "$out/logs" \
        --no-partial-parse \
        > "$out/$command.log" 2>&1); then
    cat "$out/$command.log" >&2
    echo "[goldens] dbt $command failed for $label" >&2
    return 1
  fi
}

compile_project() {
  local label="$1" project_dir="$2"
  local out="$WORK/$label"
  rm -rf "$out"
  mkdir -p "$out"
  "$PY" "$HELPERS/make_profiles.py" "$project_dir" "$out/profiles" "$out/db"
  echo "[goldens] dbt compile $label ($project_dir)" >&2
  run_dbt_into "$label" "$project_dir" "$out" compile target || return 1
  "$PY" "$HELPERS/collect.py" "$out/target" "$GOLDENS/$label" "$label"
  # dbt parse as well: the tests' depends_on.macros it records (compile adds its render's calls).
  run_dbt_into "$label" "$project_dir" "$out" parse parse-target || return 1
  "$PY" "$HELPERS/parse_macros.py" "$out/parse-target" "$GOLDENS/$label"
}


# A project dbt refuses to parse: the golden is dbt's error message.
parse_error_golden() {
  local label="$1" project_dir="$2"
  local out="$WORK/$label"
  rm -rf "$out"
  mkdir -p "$out"
  "$PY" "$HELPERS/make_profiles.py" "$project_dir" "$out/profiles" "$out/db"
  echo "[goldens] dbt parse $label ($project_dir), expecting an error" >&2
  if (cd "$project_dir" && "$PY" "$HELPERS/run_dbt.py" parse --profiles-dir "$out/profiles" --target-path "$out/target" \
        --log-path "$out/logs" --no-partial-parse > "$out/parse.log" 2>&1); then
    echo "[goldens] dbt parsed $label without error" >&2
    return 1
  fi
  mkdir -p "$GOLDENS/$label"
  # The error without timestamps or the machine's paths.
  # (A Python exception's traceback is left out: it names the machine's venv.)
  sed -n '/Encountered an error/,$p' "$out/parse.log" | sed -E 's/^[0-9:]{8}  //' | sed '/^Traceback (most recent call last)/,$d' | sed "s#$project_dir/##g" > "$GOLDENS/$label/error.txt"
}

selected=("$@")
is_selected() {
  [ "${#selected[@]}" -eq 0 ] && return 0
  local p
  for p in "${selected[@]}"; do [ "$p" = "$1" ] && return 0; done
  return 1
}

is_selected medallion_retail && compile_project medallion_retail "$REPO_ROOT/models"
is_selected xdb && compile_project xdb "$REPO_ROOT/test/fixtures/xdb"

PUBLIC_PROJECTS=(sushi_dbt sushi_test jaffle_shop_duckdb dagster_jaffle_shop dagster_asset_checks dagster_model_versions dagster_snapshot dagster_unit_tests)
wanted_public=()
for p in "${PUBLIC_PROJECTS[@]}"; do is_selected "$p" && wanted_public+=("$p"); done
if [ "${#wanted_public[@]}" -gt 0 ]; then
  PUBLIC="$(bash "$REPO_ROOT/scripts/fetch-public-project.sh")"
  for p in "${wanted_public[@]}"; do compile_project "$p" "$PUBLIC/$p"; done
fi
for dir in "$REPO_ROOT"/test/fixtures/parity/*/; do
  name="$(basename "$dir")"
  is_selected "$name" || is_selected parity || continue
  [ -f "$dir/dbt_project.yml" ] || dir="$dir/project"
  [ -f "$dir/dbt_project.yml" ] || continue
  if [ "$name" = duplicate_relation ]; then parse_error_golden "$name" "${dir%/}"
  else compile_project "$name" "${dir%/}"; fi
done

# Descriptions dbt fails the parse on, one project per case (dbt stops at the first): the goldens
# are dbt's errors, in test/goldens/dbt/yml_errors/<case>/error.txt.
for dir in "$REPO_ROOT"/test/fixtures/parity/yml_errors/*/; do
  name="yml_errors/$(basename "$dir")"
  is_selected "$name" || is_selected yml_errors || is_selected parity || continue
  parse_error_golden "$name" "${dir%/}"
done

if is_selected schema; then
  "$PY" "$HELPERS/manifest_schema.py" "$GOLDENS/manifest-v12.schema.json"
fi

if is_selected yaml; then
  "$PY" "$HELPERS/yaml_goldens.py" "$REPO_ROOT/test/goldens/yaml-dbt" "$REPO_ROOT"/test/fixtures/yaml-dbt/*.yml
fi
echo "[goldens] done: $GOLDENS" >&2
