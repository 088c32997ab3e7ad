#!/usr/bin/env bash
# What the pinned dbt-core says about the project `medallion init` writes, kept as a golden
# (test/goldens/dbt/init-parse.json) that test/init.test.ts checks without Python:
#   - scaffold_sha256: the digest of the scaffold dbt parsed (the test recomputes it: a changed
#     scaffold fails the test until this script is run again);
#   - warnings / errors: dbt's [WARNING] and [ERROR] lines from `dbt parse --show-all-deprecations`
#     with the JSON-schema checks on (scripts/dbt_goldens/strict_parse.py); expected empty;
#   - control_warnings: the same for a copy that sets the layer as a custom config key (+layer:),
#     which dbt must warn about: proof that the check can fail.
# Needs `npm run build` first. usage: scripts/dbt_goldens/init-parse.sh
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT
# shellcheck source=venv.sh
source "$REPO_ROOT/scripts/dbt_goldens/venv.sh"
unset DBT_PROFILES_DIR DBT_PROJECT_DIR DBT_TARGET DBT_TARGET_PATH DBT_LOG_PATH || true

WORK="$REPO_ROOT/.cache/dbt-goldens/init"
rm -rf "$WORK"
mkdir -p "$WORK"
node "$REPO_ROOT/bin/medallion.js" init "$WORK/project" --name medallion_init_check --yes </dev/null >/dev/null
cp -r "$WORK/project" "$WORK/control"
sed -i 's/^      +meta: {layer: \(.*\)}$/      +layer: \1/' "$WORK/control/dbt_project.yml"

parse() {
  (cd "$1" && "$PY" "$REPO_ROOT/scripts/dbt_goldens/strict_parse.py" parse --profiles-dir . --no-partial-parse --show-all-deprecations --log-path "$WORK/logs-$(basename "$1")" > "$WORK/$(basename "$1").log" 2>&1) || true
}
parse "$WORK/project"
parse "$WORK/control"

node - "$REPO_ROOT" "$WORK" <<'JS'
const [root, work] = process.argv.slice(2);
const fs = require('node:fs');
const { scaffoldFiles, scaffoldDigest, defaultDatabase } = require(`${root}/out/server/src/cli/scaffold.js`);
const name = 'medallion_init_check';
const lines = (file, tag) => fs.readFileSync(`${work}/${file}`, 'utf8').split('\n').filter((l) => l.includes(`[${tag}]`)).map((l) => l.replace(/^\d\d:\d\d:\d\d\s+/, ''));
const version = /Running with dbt=(\S+)/.exec(fs.readFileSync(`${work}/project.log`, 'utf8'))?.[1];
const golden = {
  dbt: version,
  name,
  scaffold_sha256: scaffoldDigest(scaffoldFiles({ name, database: defaultDatabase(name) })),
  warnings: lines('project.log', 'WARNING'),
  errors: lines('project.log', 'ERROR'),
  control_warnings: lines('control.log', 'WARNING'),
};
fs.writeFileSync(`${root}/test/goldens/dbt/init-parse.json`, JSON.stringify(golden, null, 2) + '\n');
console.log(JSON.stringify(golden, null, 2));
JS
