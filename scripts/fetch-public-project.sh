#!/usr/bin/env bash
# Fetch the public dbt projects that the compiler goldens are made from, WITHOUT committing them:
# they come from a package registry (PyPI) at generation/test time.
#
# Package: sqlmesh 0.236.4 (sdist, Apache-2.0). Its source distribution ships three real dbt
# projects, all on DuckDB; they are extracted to stable folders:
#
#   <dest>/sushi_dbt           <- sqlmesh-0.236.4/examples/sushi_dbt
#   <dest>/sushi_test          <- sqlmesh-0.236.4/tests/fixtures/dbt/sushi_test
#   <dest>/jaffle_shop_duckdb  <- sqlmesh-0.236.4/tests/fixtures/dbt/jaffle_shop_duckdb
#
# Only `pip download` runs (no dbt, no other Python). Two edits make the files exactly what dbt
# 1.12.6 compiled for the goldens:
#   - sushi_test/models/schema.yml: the trailing `semantic_models:`/`metrics:` sections are cut off
#     (dbt >= 1.9 refuses a semantic layer without a time-spine model: "The semantic layer requires
#     a time spine model"); nothing else in the project refers to them.
#   - sushi_test/dbt_packages/<name> -> ../packages/<dir>: the relative symlinks `dbt deps` makes
#     for the project's three `local:` packages (dbt makes them absolute; same content).
#
# Package: dagster-dbt 0.29.27 (sdist, Apache-2.0). Its tests ship real dbt projects on DuckDB;
# five without hub packages are extracted as <dest>/dagster_<name> (jaffle_shop, asset_checks,
# model_versions, snapshot, unit_tests, from dagster_dbt_tests/dbt_projects/). One edit: each
# profiles.yml becomes a plain DuckDB profile (theirs read the database path from environment
# variables set by their test runner).
#
# usage: scripts/fetch-public-project.sh [dest]     (default <repo>/.cache/public-projects)
# Prints the destination folder. Idempotent: a complete earlier fetch is reused.
set -euo pipefail

PACKAGE=sqlmesh
VERSION=0.236.4
SDIST="sqlmesh-${VERSION}.tar.gz"
SHA256=f018b5ca04ee30a9db4a7ab9413c0afdfac0332bf45a110d8a0a0fa22f93e691

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$REPO_ROOT/.cache/public-projects}"
STAMP="$DEST/.complete-${PACKAGE}-${VERSION}"
DAGSTER_VERSION=0.29.27
DAGSTER_SDIST="dagster_dbt-${DAGSTER_VERSION}.tar.gz"
DAGSTER_SHA256=345424e0ac65b01008690e410f127a81506fa198ac7b215cf19114b19d8f6b8b
DAGSTER_STAMP="$DEST/.complete-dagster-dbt-${DAGSTER_VERSION}"
if [ -f "$STAMP" ] && [ -f "$DAGSTER_STAMP" ]; then
  echo "$DEST"
  exit 0
fi

DL="$DEST/.download"
mkdir -p "$DL"
# download_sdist <package> <version> <file> <sha256>: the sdist from PyPI, checked against its hash.
download_sdist() {
  if [ ! -f "$DL/$3" ] || ! echo "$4  $DL/$3" | sha256sum -c --quiet - >/dev/null 2>&1; then
    echo "[fetch-public-project] pip download $1==$2 (sdist)" >&2
    rm -f "$DL/$3"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: --dest "$DL" "$1==$2" >&2
  fi
  echo "$4  $DL/$3" | sha256sum -c --quiet - >&2
}
download_sdist "$PACKAGE" "$VERSION" "$SDIST" "$SHA256"

TMP="$DEST/.extract"
rm -rf "$TMP"
mkdir -p "$TMP"
ROOT="sqlmesh-${VERSION}"
tar --no-same-owner -xzf "$DL/$SDIST" -C "$TMP" \
  "$ROOT/LICENSE" \
  "$ROOT/examples/sushi_dbt" \
  "$ROOT/tests/fixtures/dbt/sushi_test" \
  "$ROOT/tests/fixtures/dbt/jaffle_shop_duckdb"

for name in sushi_dbt sushi_test jaffle_shop_duckdb; do rm -rf "${DEST:?}/$name"; done
mv "$TMP/$ROOT/examples/sushi_dbt" "$DEST/sushi_dbt"
mv "$TMP/$ROOT/tests/fixtures/dbt/sushi_test" "$DEST/sushi_test"
mv "$TMP/$ROOT/tests/fixtures/dbt/jaffle_shop_duckdb" "$DEST/jaffle_shop_duckdb"
cp "$TMP/$ROOT/LICENSE" "$DEST/LICENSE-sqlmesh"
rm -rf "$TMP"

# sushi_test: cut the semantic layer off models/schema.yml (see above).
schema="$DEST/sushi_test/models/schema.yml"
awk '/^semantic_models:/ { exit } { print }' "$schema" > "$schema.tmp" && mv "$schema.tmp" "$schema"

# sushi_test: what `dbt deps` does for local packages.
mkdir -p "$DEST/sushi_test/dbt_packages"
while read -r dir; do
  name="$(sed -n "s/^name:[[:space:]]*['\"]\{0,1\}\([A-Za-z0-9_]*\).*/\1/p" "$DEST/sushi_test/$dir/dbt_project.yml" | head -n1)"
  ln -sfn "../$dir" "$DEST/sushi_test/dbt_packages/$name"
done < <(sed -n 's/^[[:space:]]*-[[:space:]]*local:[[:space:]]*//p' "$DEST/sushi_test/packages.yml")

# dagster-dbt: five test projects on DuckDB, each with a plain DuckDB profile.
download_sdist dagster-dbt "$DAGSTER_VERSION" "$DAGSTER_SDIST" "$DAGSTER_SHA256"
rm -rf "$TMP"
mkdir -p "$TMP"
DROOT="dagster_dbt-${DAGSTER_VERSION}"
tar --no-same-owner -xzf "$DL/$DAGSTER_SDIST" -C "$TMP" "$DROOT/LICENSE" "$DROOT/dagster_dbt_tests/dbt_projects"
for pair in jaffle_shop:jaffle_shop test_dagster_asset_checks:asset_checks test_dagster_dbt_model_versions:model_versions \
            test_dagster_dbt_snapshot:snapshot test_dagster_dbt_unit_tests:unit_tests; do
  src="${pair%%:*}"; name="dagster_${pair##*:}"
  rm -rf "${DEST:?}/$name"
  mv "$TMP/$DROOT/dagster_dbt_tests/dbt_projects/$src" "$DEST/$name"
  profile="$(sed -n "s/^profile:[[:space:]]*['\"]\{0,1\}\([A-Za-z0-9_]*\).*/\1/p" "$DEST/$name/dbt_project.yml" | head -n1)"
  printf '%s:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/%s.duckdb\n      schema: main\n      threads: 1\n' "$profile" "$name" > "$DEST/$name/profiles.yml"
done
cp "$TMP/$DROOT/LICENSE" "$DEST/LICENSE-dagster-dbt"
rm -rf "$TMP"
touch "$DAGSTER_STAMP"

cat > "$DEST/SOURCE.txt" <<INFO
Public dbt projects used for compiler goldens (not committed; fetched by scripts/fetch-public-project.sh).
package: ${PACKAGE}==${VERSION} (PyPI sdist ${SDIST}, sha256 ${SHA256}), license: LICENSE-sqlmesh (Apache-2.0)
sushi_dbt          = ${ROOT}/examples/sushi_dbt
sushi_test         = ${ROOT}/tests/fixtures/dbt/sushi_test (semantic_models/metrics cut; dbt_packages symlinks added)
jaffle_shop_duckdb = ${ROOT}/tests/fixtures/dbt/jaffle_shop_duckdb
package: dagster-dbt==${DAGSTER_VERSION} (PyPI sdist ${DAGSTER_SDIST}, sha256 ${DAGSTER_SHA256}), license: LICENSE-dagster-dbt (Apache-2.0)
dagster_<name>     = ${DROOT}/dagster_dbt_tests/dbt_projects/<project> (profiles.yml replaced by a plain DuckDB profile)
INFO
touch "$STAMP"
echo "$DEST"
