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
if [ -f "$STAMP" ]; then
  echo "$DEST"
  exit 0
fi

DL="$DEST/.download"
mkdir -p "$DL"
if [ ! -f "$DL/$SDIST" ] || ! echo "$SHA256  $DL/$SDIST" | sha256sum -c --quiet - >/dev/null 2>&1; then
  echo "[fetch-public-project] pip download ${PACKAGE}==${VERSION} (sdist)" >&2
  rm -f "$DL/$SDIST"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --dest "$DL" "${PACKAGE}==${VERSION}" >&2
fi
echo "$SHA256  $DL/$SDIST" | sha256sum -c --quiet - >&2

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

cat > "$DEST/SOURCE.txt" <<INFO
Public dbt projects used for compiler goldens (not committed; fetched by scripts/fetch-public-project.sh).
package: ${PACKAGE}==${VERSION} (PyPI sdist ${SDIST}, sha256 ${SHA256}), license: LICENSE-sqlmesh (Apache-2.0)
sushi_dbt          = ${ROOT}/examples/sushi_dbt
sushi_test         = ${ROOT}/tests/fixtures/dbt/sushi_test (semantic_models/metrics cut; dbt_packages symlinks added)
jaffle_shop_duckdb = ${ROOT}/tests/fixtures/dbt/jaffle_shop_duckdb
INFO
touch "$STAMP"
echo "$DEST"
