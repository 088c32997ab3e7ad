#!/usr/bin/env bash
# Rebuild the public dbt projects bench (default /work/public-dbt) from git snapshots already on
# this machine. It fetches nothing itself: bring each repository listed in README.md first (the
# `fetch` tool puts github:<owner>/<name> at <mirrors>/<owner>+<name>/repo, a bare git dir) and
# pass that root. Every project and package is extracted at the exact commit pinned below.
#
# usage: scripts/public-dbt/setup.sh [--venv] [--parse] MIRRORS [DEST] [project ...]
#   --venv    also make DEST/venv-adapters (dbt-core 1.10.23 + adapters, pip --no-deps, from PyPI)
#   --parse   also run DEST/dbt-parse.sh per project into DEST/out/<name>/target (dbt's manifest)
#   project   any of the nine names (default: all, mattermost_snowflake and cal_itp first)
# Projects already present in DEST are left as they are (delete the folder to rebuild one).
# Appends each project to DEST/READY once it is complete (and parsed, with --parse).
set -euo pipefail

VENV=0
PARSE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) VENV=1; shift ;;
    --parse) PARSE=1; shift ;;
    *) break ;;
  esac
done
MIRRORS="${1:?usage: setup.sh [--venv] [--parse] MIRRORS [DEST] [project ...]}"
DEST="${2:-/work/public-dbt}"
shift 2 || shift $#
PROJECTS=("$@")
[ ${#PROJECTS[@]} -gt 0 ] || PROJECTS=(mattermost_snowflake cal_itp mattermost_analytics ol_dbt tuva spellbook_dex spellbook_daily_spellbook gnosis_cerebro teamster_kipptaf)
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { echo "[public-dbt] $*" >&2; }

# The bare git dir of github:<owner>/<name>.
gitdir() {
  local d="$MIRRORS/${1/\//+}/repo"
  [ -d "$d" ] || { log "missing snapshot of $1 (expected $d): fetch github:$1 first"; exit 1; }
  echo "$d"
}

# extract <owner/name> <commit> <folder in the repository, or .> <destination>
# Blobs the snapshot lacks (files of 4 MiB and more) are left out and named; see README.md.
extract() {
  local g commit="$2" folder="$3" out="$4" strip=0 missing=()
  g="$(gitdir "$1")"
  git --git-dir="$g" cat-file -e "$commit^{commit}" 2>/dev/null || { log "$1 has no commit $commit in $g"; exit 1; }
  while read -r _ type hash path; do
    [ "$type" = blob ] || continue
    git --git-dir="$g" cat-file -e "$hash" 2>/dev/null || missing+=(":(exclude)$path")
  done < <(git --git-dir="$g" ls-tree -r "$commit" -- "$folder" | tr '\t' ' ')
  for m in "${missing[@]+"${missing[@]}"}"; do log "$1: not in the snapshot, left out: ${m#:(exclude)}"; done
  [ "$folder" = . ] || strip=$(($(tr -cd / <<<"$folder/" | wc -c)))
  mkdir -p "$out"
  git --git-dir="$g" archive "$commit" -- "$folder" "${missing[@]+"${missing[@]}"}" | tar -x -C "$out" --strip-components="$strip"
}

# pkg <project> <owner/name> <commit>: the package at dbt_packages/<its dbt_project.yml name>.
pkg() {
  local p="$DEST/projects/$1" tmp name
  tmp="$(mktemp -d "$DEST/.pkg.XXXXXX")"
  extract "$2" "$3" . "$tmp"
  name="$(sed -n -E "s/^name:[[:space:]]*['\"]?([A-Za-z0-9_]+)['\"]?.*/\1/p" "$tmp/dbt_project.yml" | head -1)"
  [ -n "$name" ] || { log "$2@$3: no name in dbt_project.yml"; exit 1; }
  mkdir -p "$p/dbt_packages"
  rm -rf "${p:?}/dbt_packages/$name"
  mv "$tmp" "$p/dbt_packages/$name"
  log "$1: dbt_packages/$name <- $2@$3"
}

# Repositories and commits (see README.md for the versions these commits are).
MM_DWH=mattermost/mattermost-data-warehouse;  MM_DWH_C=61af2424d790a8f83267f2b9ee12589fd32bcfa9
CALITP=cal-itp/data-infra;                   CALITP_C=f20856f3f4cfe37f9e36f42bfe3ea22f6d4a2cfa
OL=mitodl/ol-data-platform;                  OL_C=49d7ee606c383e44cc36e832f2343fb02b01cebb
TUVA=tuva-health/tuva;                       TUVA_C=6be34c7add402a897dd020fa51c6be586847eb41
SPELLBOOK=duneanalytics/spellbook;           SPELLBOOK_C=91dac121414fe46afdb47690ea5906871373dba5
UTILS=dbt-labs/dbt-utils
UTILS_084=33299334a305d0acb99ebee8cc2eb6eb2ba5ca31   # tag 0.8.4
UTILS_130=e164c645238ca98f21b2ecc558912b94b3d75a9f   # tag 1.3.0
UTILS_133=ef562bac8583a3dd041437d1a0ed926d356da4fd   # tag 1.3.3
UTILS_141=49b932cb1f6fd0f7dfbf9048512db6415f570b20   # tag 1.4.1
CODEGEN=dbt-labs/dbt-codegen
CODEGEN_090=8e42e2c5b50e76921214222e835663ff4535381c # tag 0.9.0
CODEGEN_0131=314908f79909898d79f39d5b3551d6ead05ddbb7 # tag 0.13.1
CODEGEN_0141=526cb1f0e8464d88b931e0249b4198039f15d641 # tag 0.14.1
EXPECTATIONS=metaplane/dbt-expectations
EXPECTATIONS_HEAD=77d385655ce3318685cf6930b46d077f61de5f55 # snapshot HEAD: tag 0.10.9 + a README commit (no 0.10.10 tag)
DATE=godatadriven/dbt-date
DATE_0172=2e4bddaafa60122ca5d608c13d2225a59ef439fd  # tag 0.17.2
DATE_0190=67d5e3fab5e6a14ad862093a079898563e56de07  # tag 0.19.0
DATE_0210=e706de9630b228aae58a2bb0e99f34b19abb4688  # tag 0.21.0
EVALUATOR=dbt-labs/dbt-project-evaluator;    EVALUATOR_0143=77384c6ce5c2782ed6c8c5b594a22b74d88580fc # tag v0.14.3
QUERY_TAGS=get-select/dbt-snowflake-query-tags; QUERY_TAGS_260=8ff8b4eae2b11d1d6eeb6c7ab4184438d83ea020 # tag 2.6.0
TRINO_UTILS=starburstdata/dbt-trino-utils;   TRINO_UTILS_060=248dce66d4c3563e5d776f630ef637e7bcc1cb66 # tag 0.6.0
AUDIT=dbt-labs/dbt-audit-helper;             AUDIT_0122=acc7cad15a9a5cd0c2a928fafb888cffd135790e # tag 0.12.2
ELEMENTARY=tuva-health/dbt-data-reliability; ELEMENTARY_0184=382c570ccf4f8733e5323ae21aa4aa9fa849fedd # tag v0.18.4
CEREBRO=gnosischain/dbt-cerebro;             CEREBRO_C=9c8ab7375df5731949a891ecc627403c9f0533af
ELEMENTARY_DR=elementary-data/dbt-data-reliability; ELEMENTARY_0221=a24aa38f5a391edf4d3411265b7cc58d9a083a80 # tag 0.22.1
TEAMSTER=TEAMSchools/teamster;               TEAMSTER_C=0cdc7eefe76f6355f77bb1dba128078f856fe201
EXTERNAL=dbt-labs/dbt-external-tables;       EXTERNAL_0122=c33165e5d8b2f8908571f11dfa61654109b8c5b5 # tag 0.12.2 (no 0.12.3 tag, see README.md)

build_project() {
  local name="$1" p="$DEST/projects/$1"
  case "$name" in
    mattermost_snowflake)
      extract "$MM_DWH" "$MM_DWH_C" transform/snowflake-dbt "$p"
      pkg "$name" "$UTILS" "$UTILS_084"
      pkg "$name" "$CODEGEN" "$CODEGEN_090" ;;
    mattermost_analytics)
      extract "$MM_DWH" "$MM_DWH_C" transform/mattermost-analytics "$p"
      pkg "$name" "$UTILS" "$UTILS_130"
      pkg "$name" "$CODEGEN" "$CODEGEN_0131"
      pkg "$name" "$EVALUATOR" "$EVALUATOR_0143"
      pkg "$name" "$QUERY_TAGS" "$QUERY_TAGS_260" ;;
    cal_itp)
      extract "$CALITP" "$CALITP_C" warehouse "$p"
      pkg "$name" "$UTILS" "$UTILS_133"
      pkg "$name" "$EXPECTATIONS" "$EXPECTATIONS_HEAD"
      pkg "$name" "$DATE" "$DATE_0172" ;;
    ol_dbt)
      extract "$OL" "$OL_C" src/ol_dbt "$p"
      pkg "$name" "$CODEGEN" "$CODEGEN_0141"
      pkg "$name" "$EXPECTATIONS" "$EXPECTATIONS_HEAD"
      pkg "$name" "$UTILS" "$UTILS_133"
      pkg "$name" "$TRINO_UTILS" "$TRINO_UTILS_060"
      pkg "$name" "$AUDIT" "$AUDIT_0122"
      pkg "$name" "$DATE" "$DATE_0190" ;;
    tuva)
      extract "$TUVA" "$TUVA_C" . "$p"
      pkg "$name" "$UTILS" "$UTILS_141"
      pkg "$name" "$EXPECTATIONS" "$EXPECTATIONS_HEAD"
      pkg "$name" "$DATE" "$DATE_0210"
      pkg "$name" "$ELEMENTARY" "$ELEMENTARY_0184"
      # The repository ships no root profile; its CI's Databricks profile, as is.
      mkdir -p "$p/profiles/databricks"
      cp "$p/integration_tests/profiles/databricks/profiles.yml" "$p/profiles/databricks/profiles.yml" ;;
    spellbook_dex | spellbook_daily_spellbook)
      extract "$SPELLBOOK" "$SPELLBOOK_C" "dbt_subprojects/${name#spellbook_}" "$p"
      pkg "$name" "$UTILS" "$UTILS_130"
      # model-paths ../../sources and macro-paths ../../dbt_macros: DEST/sources, DEST/dbt_macros.
      [ -d "$DEST/sources" ] || extract "$SPELLBOOK" "$SPELLBOOK_C" sources "$DEST/sources"
      [ -d "$DEST/dbt_macros" ] || extract "$SPELLBOOK" "$SPELLBOOK_C" dbt_macros "$DEST/dbt_macros" ;;
    gnosis_cerebro)
      extract "$CEREBRO" "$CEREBRO_C" . "$p"
      pkg "$name" "$UTILS" "$UTILS_130"
      pkg "$name" "$ELEMENTARY_DR" "$ELEMENTARY_0221"
      # The one seed the snapshot lacks (4 MiB and more) is ref()'d by four models: a header-only
      # stand-in (its columns from the project's dbt_project.yml column_types), see README.md.
      [ -f "$p/seeds/gp_migrated_safes.csv" ] \
        || echo userId,old_safe_address,new_safe_address,startedAt,completedAt >"$p/seeds/gp_migrated_safes.csv" ;;
    teamster_kipptaf)
      extract "$TEAMSTER" "$TEAMSTER_C" src/dbt/kipptaf "$p"
      pkg "$name" "$EXTERNAL" "$EXTERNAL_0122"
      pkg "$name" "$UTILS" "$UTILS_141" ;;
    *) log "unknown project $name"; exit 1 ;;
  esac
}

profiles_dir() {
  case "$1" in
    mattermost_snowflake | mattermost_analytics) echo "$DEST/projects/$1/profile" ;;
    tuva) echo "$DEST/projects/tuva/profiles/databricks" ;;
    *) echo "$DEST/projects/$1" ;;
  esac
}

mkdir -p "$DEST/projects" "$DEST/out"
cp "$REPO_ROOT/scripts/public-dbt/dbt-parse.sh" "$DEST/dbt-parse.sh"
chmod +x "$DEST/dbt-parse.sh"

if [ "$VENV" = 1 ]; then
  if [ ! -x "$DEST/venv-adapters/bin/dbt" ]; then
    python3 -m venv "$DEST/venv-adapters"
    "$DEST/venv-adapters/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$REPO_ROOT/scripts/dbt_goldens/requirements-adapters.txt"
  fi
  # The later projects' adapters (ClickHouse); a venv made before them gets them too.
  "$DEST/venv-adapters/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$REPO_ROOT/scripts/public-dbt/requirements-extra.txt"
fi

for name in "${PROJECTS[@]}"; do
  if [ -f "$DEST/projects/$name/dbt_project.yml" ]; then
    log "$name: present, kept"
  else
    build_project "$name"
  fi
  if [ "$PARSE" = 1 ]; then
    "$DEST/dbt-parse.sh" "$DEST/projects/$name" "$(profiles_dir "$name")" "$DEST/out/$name" >"$DEST/out/$name.log" 2>&1 \
      || { log "$name: dbt parse failed, see $DEST/out/$name.log"; exit 1; }
    log "$name: dbt parse ok -> out/$name/target/manifest.json"
  fi
  if [ -f "$DEST/out/$name/target/manifest.json" ]; then
    grep -qx "$name" "$DEST/READY" 2>/dev/null || echo "$name" >>"$DEST/READY"
  fi
done
