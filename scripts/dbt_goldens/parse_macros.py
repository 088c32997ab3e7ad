"""What `dbt parse` (not compile) records as each generic test's depends_on.macros.

dbt's golden manifest.json comes from `dbt compile`, whose render of every test adds the macros it
calls at the top level (get_where_subquery for dbt's own not_null/unique, a project's `ref`
override): Medallion's manifest is `dbt parse`'s, compared with these lists instead.

  <golden_dir>/parse-macros.json   {unique_id: depends_on.macros} of every test among the nodes,
                                   dbt's own macros included, sorted by unique_id

usage: python parse_macros.py <parse_target_dir> <golden_dir>
"""
import json
import os
import sys


def main():
    target_dir, golden_dir = sys.argv[1:3]
    with open(os.path.join(target_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    out = {
        uid: node["depends_on"]["macros"]
        for uid, node in sorted(manifest["nodes"].items())
        if node["resource_type"] == "test"
    }
    with open(os.path.join(golden_dir, "parse-macros.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
