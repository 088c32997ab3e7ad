"""Create the `landing` relations of a Medallion project in a DuckDB file, for real-dbt runs.

For every table of every source whose `meta.landing` says where its raw files land, this creates
`<source schema>.<table>` as a view over those files (read_csv with the column types declared
in the source yml), which is what the Medallion runner does before bronze runs. Extension
autoloading/installing is switched off: only DuckDB's built-in readers are used.

usage: python prepare_landing.py <project_dir> <duckdb_file>
"""
import glob
import os
import sys

import duckdb
import yaml


def landing_tables(project_dir):
    for path in sorted(glob.glob(os.path.join(project_dir, "models", "**", "*.yml"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        for source in doc.get("sources") or []:
            schema = source.get("schema", source["name"])
            for table in source.get("tables") or []:
                meta = table.get("meta") or (table.get("config") or {}).get("meta") or {}
                landing = meta.get("landing")
                if landing:
                    yield schema, table, landing


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    project_dir, db_file = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.dirname(os.path.abspath(db_file)), exist_ok=True)
    con = duckdb.connect(
        db_file,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    for schema, table, landing in landing_tables(project_dir):
        if landing.get("format", "csv") != "csv":
            raise SystemExit(f"unsupported landing format {landing.get('format')!r}")
        location = os.path.join(os.path.abspath(project_dir), landing["location"])
        pattern = os.path.join(location, "*.csv")
        if not glob.glob(pattern):
            raise SystemExit(f"no landing files match {pattern}")
        columns = [c for c in table.get("columns") or [] if c.get("data_type")]
        types = ", ".join(f"{sql_string(c['name'])}: {sql_string(c['data_type'])}" for c in columns)
        options = f", columns = {{{types}}}" if columns else ""
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(
            f'create or replace view "{schema}"."{table["name"]}" as '
            f"select * from read_csv({sql_string(pattern)}, header = true{options})"
        )
        n = con.execute(f'select count(*) from "{schema}"."{table["name"]}"').fetchone()[0]
        print(f"landing view {schema}.{table['name']}: {n} rows from {os.path.relpath(pattern, project_dir)}")
    con.close()


if __name__ == "__main__":
    main()
