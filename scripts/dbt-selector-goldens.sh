#!/usr/bin/env bash
# Regenerate test/goldens/dbt/selectors/medallion_retail.json: what the pinned dbt-core
# (scripts/dbt_goldens/requirements.txt) selects with `dbt ls -s <selector>` on the sample project,
# for every selector in test/goldens/dbt/selectors/selectors.txt; and <fixture>.json for each
# <fixture>.txt there naming a project of test/fixtures/parity/. Not run by CI (tests need no Python).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# shellcheck source=dbt_goldens/venv.sh
source "$REPO_ROOT/scripts/dbt_goldens/venv.sh"
unset DBT_PROFILES_DIR DBT_PROJECT_DIR DBT_TARGET DBT_TARGET_PATH DBT_LOG_PATH || true
WORK="$REPO_ROOT/.cache/dbt-goldens/selectors"
rm -rf "$WORK"
mkdir -p "$WORK"
# A copy of the sample project: dbt writes target/ and logs/ into the project folder.
cp -r "$REPO_ROOT/models" "$WORK/project"
rm -rf "$WORK/project/target" "$WORK/project/logs" "$WORK/project/landing-data"
"$PY" "$REPO_ROOT/scripts/dbt_goldens/make_profiles.py" "$WORK/project" "$WORK/profiles" "$WORK/db"
(cd "$WORK/project" && "$PY" "$REPO_ROOT/scripts/dbt_goldens/list_selected.py" "$WORK/project" "$WORK/profiles" \
  "$REPO_ROOT/test/goldens/dbt/selectors/selectors.txt" "$REPO_ROOT/test/goldens/dbt/selectors/medallion_retail.json" > "$WORK/dbt-ls.log")
echo "[goldens] wrote test/goldens/dbt/selectors/medallion_retail.json" >&2
# Parity fixtures with their own selector list: <fixture>.txt → <fixture>.json.
for list in "$REPO_ROOT"/test/goldens/dbt/selectors/*.txt; do
  name="$(basename "$list" .txt)"
  [ "$name" = selectors ] && continue
  rm -rf "$WORK/$name"
  mkdir -p "$WORK/$name"
  cp -r "$REPO_ROOT/test/fixtures/parity/$name" "$WORK/$name/project"
  rm -rf "$WORK/$name/project/target" "$WORK/$name/project/logs"
  "$PY" "$REPO_ROOT/scripts/dbt_goldens/make_profiles.py" "$WORK/$name/project" "$WORK/$name/profiles" "$WORK/$name/db"
  (cd "$WORK/$name/project" && "$PY" "$REPO_ROOT/scripts/dbt_goldens/list_selected.py" "$WORK/$name/project" "$WORK/$name/profiles" \
    "$list" "$REPO_ROOT/test/goldens/dbt/selectors/$name.json" > "$WORK/$name/dbt-ls.log")
  echo "[goldens] wrote test/goldens/dbt/selectors/$name.json" >&2
done
