"""Write dbt's manifest v12 JSON schema, as the pinned dbt-core generates (and publishes) it
(https://schemas.getdbt.com/dbt/manifest/v12.json), for test/manifest.test.ts to validate
Medallion's manifest.json against.

usage: python manifest_schema.py <out.json>
"""
import json
import sys

from dbt.artifacts.schemas.manifest import WritableManifest


def main():
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(WritableManifest.json_schema(), f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
