"""Read yml files exactly as dbt-core reads a properties file (dbt.clients.checked_load: PyYAML's
SafeLoader plus dbt's duplicate-key check) and write what it got as a golden:

  <out_dir>/<name>.json = {"value": <the document>, "warnings": [{"key", "line", "column"}]}

Values keep the Python types JSON cannot tell apart: a float is {"$float": repr(x)}, a date or
datetime {"$date": str(x)}. Lines and columns are 1-based.

usage: python yaml_goldens.py <out_dir> <file.yml> ...
"""
import datetime
import json
import os
import re
import sys

from dbt.clients.checked_load import checked_load


def tagged(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {"$date": str(value)}
    if isinstance(value, list):
        return [tagged(v) for v in value]
    if isinstance(value, dict):
        return {str(k): tagged(v) for k, v in value.items()}
    raise TypeError(f"unexpected YAML value {value!r}")


WHERE = re.compile(r"Duplicate key '(?P<key>.*)' .*line (?P<line>\d+), column (?P<column>\d+)")


def main():
    out_dir, files = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    for path in files:
        with open(path, encoding="utf-8") as f:
            value, failures = checked_load(f.read())
        warnings = []
        for failure in failures:
            m = WHERE.search(failure.message.replace("\n", " "))
            warnings.append({"key": m["key"], "line": int(m["line"]), "column": int(m["column"])})
        warnings.sort(key=lambda w: (w["line"], w["column"]))
        name = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(out_dir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump({"value": tagged(value), "warnings": warnings}, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"[goldens] yaml {name}: {len(warnings)} duplicate-key warnings")


if __name__ == "__main__":
    main()
