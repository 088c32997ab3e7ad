"""What the pinned dbt-core selects with `dbt ls -s state:modified.configs` after each edit of a list.

Each edit (a list of find/replace changes to files, or {"selector": S, "changes": [...]} to list
with another selector than state:modified.configs) is applied alone to a fresh copy of the
project; the state is <state_dir>/manifest.json (dbt's manifest of the unedited project). Writes
{edit name: [unique_id, ...]} (sorted) as JSON. A find that does not occur exactly once fails.

usage: python state_configs.py <project_dir> <edits.json> <state_dir> <profiles_dir> <out.json>
"""
import json
import os
import shutil
import sys
import tempfile

from dbt.cli.main import dbtRunner


def main():
    project_dir, edits_file, state_dir, profiles_dir, out = sys.argv[1:6]
    with open(edits_file, encoding="utf-8") as f:
        edits = json.load(f)["edits"]
    goldens = {}
    for name, edit in edits.items():
        selector, changes = ("state:modified.configs", edit) if isinstance(edit, list) else (edit["selector"], edit["changes"])
        work = tempfile.mkdtemp(prefix="state-configs-")
        try:
            copy = os.path.join(work, "project")
            shutil.copytree(project_dir, copy, symlinks=True, ignore=shutil.ignore_patterns("target", "logs"))
            for change in changes:
                path = os.path.join(copy, change["file"])
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if text.count(change["find"]) != 1:
                    raise SystemExit(f"{name}: {change['find']!r} is not in {change['file']} exactly once")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text.replace(change["find"], change["replace"]))
            common = ["--project-dir", copy, "--profiles-dir", profiles_dir, "--quiet", "--no-partial-parse",
                      "--target-path", os.path.join(work, "target"), "--log-path", os.path.join(work, "logs")]
            res = dbtRunner().invoke(["ls", *common, "--resource-type", "all", "-s", selector,
                                      "--state", state_dir, "--output", "json", "--output-keys", "unique_id"])
            if not res.success:
                raise SystemExit(f"{name}: dbt ls failed: {res.exception}")
            goldens[name] = sorted(json.loads(line)["unique_id"] for line in (res.result or []))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(goldens, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
