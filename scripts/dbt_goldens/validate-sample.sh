#!/usr/bin/env bash
# Validate the sample project (models/) and the xdb fixture with REAL dbt on DuckDB:
#   1. compile the landing-data generator (server/src/sample) with tsc, on its own;
#   2. copy models/ to .cache/dbt-validate/medallion_retail (no target/, logs/, landing-data/);
#   3. batch 1: generate landing CSVs, create the landing views (prepare_landing.py), dbt build;
#   4. batch 2: generate new orders/reviews, dbt build again (bronze_orders runs incrementally)
#      and check that every order of both batches arrived exactly once;
#   5. dbt build of test/fixtures/xdb (every cross-database macro rendering executes on DuckDB).
# Nothing is written into models/ or test/fixtures/. usage: scripts/dbt_goldens/validate-sample.sh [orders]
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT
source "$REPO_ROOT/scripts/dbt_goldens/venv.sh"
unset DBT_PROFILES_DIR DBT_PROJECT_DIR DBT_TARGET || true
ORDERS="${1:-2100}"
WORK="$REPO_ROOT/.cache/dbt-validate"
HELPERS="$REPO_ROOT/scripts/dbt_goldens"
rm -rf "$WORK"
mkdir -p "$WORK"

echo "[validate] compiling the generator" >&2
node "$REPO_ROOT/node_modules/typescript/bin/tsc" --outDir "$WORK/gen" --rootDir "$REPO_ROOT/server/src/sample" \
  --module node16 --moduleResolution node16 --target es2022 --types node --strict --skipLibCheck \
  "$REPO_ROOT/server/src/sample/cli.ts"
GEN=(node "$WORK/gen/cli.js")

P="$WORK/medallion_retail"
mkdir -p "$P"
(cd "$REPO_ROOT/models" && tar --exclude=./target --exclude=./logs --exclude=./landing-data --exclude=./dbt_packages -cf - .) | tar -xf - -C "$P"
"$PY" "$HELPERS/make_profiles.py" "$P" "$P/.profiles" "$WORK/db"
DB="$WORK/db/medallion.duckdb"

build() {
  (cd "$P" && "$DBT" build --profiles-dir .profiles --no-partial-parse > "$WORK/build-$1.log" 2>&1) || {
    cat "$WORK/build-$1.log" >&2; echo "[validate] dbt build failed ($1)" >&2; exit 1; }
  grep -E "Done\. PASS=" "$WORK/build-$1.log" | sed "s/^.*Done\./[validate] $1: /" >&2
}

"${GEN[@]}" --out "$P/landing-data" --orders "$ORDERS" --batch 1 >/dev/null
"$PY" "$HELPERS/prepare_landing.py" "$P" "$DB" >&2
build batch-1
"${GEN[@]}" --out "$P/landing-data" --orders "$((ORDERS / 3))" --batch 2 >/dev/null
build batch-2
"$PY" - "$DB" "$((ORDERS + ORDERS / 3))" <<'PY'
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
expected = int(sys.argv[2])
n, ids, loads = con.sql("select count(*), count(distinct id), count(distinct _loaded_at) from bronze.bronze_orders").fetchone()
assert n == ids == expected, (n, ids, expected)
assert loads == 2, loads
print(f"[validate] incremental bronze_orders: {n} orders from 2 batches, 2 load times", file=sys.stderr)
PY

X="$WORK/xdb"
mkdir -p "$X"
(cd "$REPO_ROOT/test/fixtures/xdb" && tar --exclude=./target --exclude=./logs -cf - .) | tar -xf - -C "$X"
"$PY" "$HELPERS/make_profiles.py" "$X" "$X/.profiles" "$WORK/db"
(cd "$X" && "$DBT" build --profiles-dir .profiles --no-partial-parse > "$WORK/build-xdb.log" 2>&1) || {
  cat "$WORK/build-xdb.log" >&2; echo "[validate] dbt build failed (xdb)" >&2; exit 1; }
grep -E "Done\. PASS=" "$WORK/build-xdb.log" | sed "s/^.*Done\./[validate] xdb: /" >&2
echo "[validate] ok" >&2
