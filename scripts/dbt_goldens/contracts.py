"""Goldens for model contracts: what the pinned dbt-core + dbt-duckdb do when they build a project.

Builds the project twice (the second build runs incremental models incrementally) and writes
  <out>/results.json  per build, per node: status and the message's significant text (dbt's contract
                      failure with its mismatch table, or the engine's constraint error with dbt's
                      temporary table name replaced by <tmp>)
  <out>/tables.json   every table and view of the database after the builds: columns in order with
                      type and nullability, and the constraints DuckDB holds for each table

usage: python contracts.py <project_dir> <profiles_dir> <out_dir>     (results.json)
       python contracts.py --tables <profiles_dir> <out_dir>           (tables.json, in a second
       process: dbt-duckdb keeps the database open and locked until its process ends)
"""
import json
import os
import re
import sys

import duckdb
from dbt.cli.main import dbtRunner


def significant(message):
    text = "\n".join(line[2:] if line.startswith("  ") else line for line in (message or "").split("\n"))
    start = text.find("This model has an enforced contract")
    if start >= 0:
        text = text[start:]
        table_end = text.find("\n\n\n")
        return text[:table_end].rstrip() if table_end >= 0 else text.rstrip()
    for marker in ("Contracted models require", "Constraint Error:"):
        start = text.find(marker)
        if start >= 0:
            return re.sub(r"\w+__dbt_tmp", "<tmp>", text[start:].split("\n")[0])
    return text.split("\n")[0]


def main():
    project_dir, profiles_dir, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    common = ["--project-dir", project_dir, "--profiles-dir", profiles_dir, "--no-partial-parse", "--log-level", "none"]
    builds = []
    for _ in range(2):
        res = dbtRunner().invoke(["build", *common])
        builds.append({r.node.unique_id: {"status": str(r.status), "message": significant(r.message)} for r in res.result.results})
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(builds, f, indent=1, sort_keys=True)
        f.write("\n")


def tables(profiles_dir, out):
    profiles = os.path.join(profiles_dir, "profiles.yml")
    import yaml

    with open(profiles, encoding="utf-8") as f:
        path = next(iter(yaml.safe_load(f).values()))["outputs"]["dev"]["path"]
    con = duckdb.connect(path, read_only=True)
    tables = {}
    for (name, kind) in con.execute(
        "select table_name, table_type from information_schema.tables where table_schema = 'main' order by table_name"
    ).fetchall():
        columns = con.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'main' and table_name = ? order by ordinal_position",
            [name],
        ).fetchall()
        constraints = con.execute(
            "select constraint_type, constraint_column_names, expression from duckdb_constraints() "
            "where schema_name = 'main' and table_name = ? and constraint_type <> 'NOT NULL' order by constraint_type, constraint_index",
            [name],
        ).fetchall()
        tables[name] = {
            "type": kind,
            "columns": [[c, t, n] for (c, t, n) in columns],
            "constraints": [[t, list(cols), e] for (t, cols, e) in constraints],
        }
    with open(os.path.join(out, "tables.json"), "w", encoding="utf-8") as f:
        json.dump(tables, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    if sys.argv[1] == "--tables":
        tables(*sys.argv[2:4])
    else:
        main()
