#!/usr/bin/env bash
# Regenerates test/goldens/dbt-layers.json from REAL dbt (the pinned dbt-core): `dbt parse` of
# test/fixtures/layers/, which configures layers only as dbt accepts them (meta.layer in
# dbt_project.yml, yml and config(); the order in vars). The golden holds each node's meta.layer
# as dbt resolved it and the warnings dbt printed (none expected); test/lineage.test.ts checks our
# layers against it. Not run by CI (tests need no Python).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO_ROOT/scripts/dbt_goldens/venv.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$REPO_ROOT/test/fixtures/layers/." "$work/project"
printf 'shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: %s/db.duckdb, schema: main}\n' "$work" > "$work/profiles.yml"
(cd "$work/project" && "$DBT" --no-use-colors parse --no-partial-parse --profiles-dir "$work" > "$work/parse.log" 2>&1) || { cat "$work/parse.log" >&2; exit 1; }
"$PY" - "$work" "$REPO_ROOT/test/goldens/dbt-layers.json" <<'PY'
import json, re, sys
work, out = sys.argv[1], sys.argv[2]
manifest = json.load(open(f"{work}/project/target/manifest.json"))
nodes = {**manifest["nodes"], **manifest["sources"]}
log = open(f"{work}/parse.log").read()
warnings = [l for l in log.splitlines() if re.search(r"\[WARNING\]|Warning|Deprecat", l)]
golden = {
    "dbt": manifest["metadata"]["dbt_version"],
    "warnings": warnings,
    "layers": {k: v["config"].get("meta", {}).get("layer") for k, v in sorted(nodes.items()) if v["resource_type"] in ("model", "source")},
}
json.dump(golden, open(out, "w"), indent=2, sort_keys=True)
open(out, "a").write("\n")
PY
echo "wrote test/goldens/dbt-layers.json"
