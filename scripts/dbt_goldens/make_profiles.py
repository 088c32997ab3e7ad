"""Copy a project's profiles.yml, pointing every DuckDB file path into a throwaway folder.

The file name is kept (dbt-duckdb names the database after it: target/medallion.duckdb ->
database "medallion"), so relation names in compiled SQL are the ones the project's own profile
gives, but nothing is created in (or read from) the project: compiling against an empty database
also means is_incremental() is false, whatever the developer built before.

usage: python make_profiles.py <project_dir> <out_profiles_dir> <db_dir>
"""
import os
import sys

import yaml


def main():
    project_dir, out_dir, db_dir = sys.argv[1:4]
    with open(os.path.join(project_dir, "profiles.yml"), encoding="utf-8") as f:
        profiles = yaml.safe_load(f)
    for name, profile in profiles.items():
        if not isinstance(profile, dict) or "outputs" not in profile:
            continue
        for output in profile["outputs"].values():
            if output.get("type") != "duckdb":
                continue
            path = output.get("path", ":memory:")
            if path != ":memory:" and not str(path).startswith("md:"):
                output["path"] = os.path.join(os.path.abspath(db_dir), os.path.basename(path))
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(db_dir, exist_ok=True)
    with open(os.path.join(out_dir, "profiles.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(profiles, f, sort_keys=False)


if __name__ == "__main__":
    main()
