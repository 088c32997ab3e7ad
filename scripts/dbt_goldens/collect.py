"""Copy dbt's compiled SQL and the manifest's per-node facts into a golden folder.

  <golden_dir>/<package>/<path>.sql   <- <target>/compiled/<package>/<path>.sql (bytes unchanged)
  <golden_dir>/nodes.json             <- facts per node from <target>/manifest.json
  <golden_dir>/manifest.json          <- <target>/manifest.json without dbt's own macros and docs
                                         (packages dbt, dbt_<adapter>), created_at/generated_at/
                                         root_path pinned, key-sorted and indented for diffs

nodes.json lists models, seeds, snapshots, tests, analyses, hooks (operations), sources and unit
tests, sorted by unique_id, with: unique_id, resource_type, package_name, name, version,
original_file_path, depends_on (nodes), materialized, schema, database, alias, identifier (sources),
relation_name, tags and `compiled` (the golden file of the node, relative to golden_dir, or null
when dbt wrote none). Disabled nodes are listed under "disabled" (unique_id and file only).

usage: python collect.py <target_dir> <golden_dir> <project_label>
"""
import json
import os
import shutil
import sys


def main():
    target_dir, golden_dir, label = sys.argv[1:4]
    compiled_root = os.path.join(target_dir, "compiled")

    if os.path.isdir(golden_dir):
        shutil.rmtree(golden_dir)
    os.makedirs(golden_dir)

    copied = set()
    for dirpath, _dirnames, filenames in os.walk(compiled_root):
        for fn in filenames:
            if not fn.endswith(".sql"):
                continue
            src = os.path.join(dirpath, fn)
            rel = os.path.relpath(src, compiled_root)
            dst = os.path.join(golden_dir, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            copied.add(rel.replace(os.sep, "/"))

    with open(os.path.join(target_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)

    def compiled_rel(node):
        path = node.get("compiled_path")
        if not path:
            return None
        path = os.path.normpath(path).replace(os.sep, "/")
        marker = "/compiled/"
        rel = path.split(marker, 1)[1] if marker in path else None
        return rel if rel in copied else None

    def facts(node):
        config = node.get("config") or {}
        return {
            "unique_id": node["unique_id"],
            "resource_type": node["resource_type"],
            "package_name": node.get("package_name"),
            "name": node["name"],
            "version": node.get("version"),
            "original_file_path": node.get("original_file_path"),
            "depends_on": sorted((node.get("depends_on") or {}).get("nodes") or []),
            "materialized": config.get("materialized"),
            "schema": node.get("schema"),
            "database": node.get("database"),
            "alias": node.get("alias"),
            "identifier": node.get("identifier"),
            "relation_name": node.get("relation_name"),
            "tags": node.get("tags") or [],
            "compiled": compiled_rel(node),
        }

    nodes = [facts(n) for n in manifest.get("nodes", {}).values()]
    nodes += [facts(s) for s in manifest.get("sources", {}).values()]
    nodes += [facts(u) for u in manifest.get("unit_tests", {}).values()]
    nodes += [facts(e) for e in manifest.get("exposures", {}).values()]
    nodes.sort(key=lambda n: n["unique_id"])

    disabled = []
    for entries in (manifest.get("disabled") or {}).values():
        for node in entries:
            disabled.append({"unique_id": node["unique_id"], "original_file_path": node.get("original_file_path")})
    disabled.sort(key=lambda n: n["unique_id"])

    write_trimmed_manifest(manifest, os.path.join(golden_dir, "manifest.json"))

    meta = manifest.get("metadata", {})
    out = {
        "project": label,
        "project_name": meta.get("project_name"),
        "dbt_version": meta.get("dbt_version"),
        "adapter_type": meta.get("adapter_type"),
        "quoting": meta.get("quoting"),
        "run_started_at": meta.get("run_started_at"),
        "nodes": nodes,
        "disabled": disabled,
    }
    with open(os.path.join(golden_dir, "nodes.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, sort_keys=False)
        f.write("\n")
    counts = {}
    for n in nodes:
        counts[n["resource_type"]] = counts.get(n["resource_type"], 0) + 1
    print(f"[goldens] {label}: {len(copied)} compiled files, nodes {dict(sorted(counts.items()))}")


INTERNAL_PACKAGES = ("dbt",)


def write_trimmed_manifest(manifest, path):
    adapter = manifest.get("metadata", {}).get("adapter_type")
    internal = set(INTERNAL_PACKAGES) | ({f"dbt_{adapter}"} if adapter else set())
    trimmed = dict(manifest)
    trimmed["macros"] = {k: v for k, v in manifest.get("macros", {}).items() if v.get("package_name") not in internal}
    trimmed["docs"] = {k: v for k, v in manifest.get("docs", {}).items() if v.get("package_name") not in internal}
    trimmed["metadata"] = dict(manifest.get("metadata", {}), generated_at="2024-01-01T00:00:00Z")

    def pin(value):
        if isinstance(value, dict):
            return {
                k: (0 if k == "created_at" and isinstance(v, (int, float)) else "<root>" if k == "root_path" else pin(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [pin(v) for v in value]
        return value

    with open(path, "w", encoding="utf-8") as f:
        json.dump(pin(trimmed), f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
