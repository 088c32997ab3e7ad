"""What the pinned dbt-core selects for each selector of a list: `dbt ls -s <selector>` on a project.

Writes {selector: [unique_id, ...]} (sorted) as JSON. Parses the project once and lists with the
same manifest for every selector (dbtRunner(manifest=...)). A selector dbt refuses is recorded as
{"error": <dbt's message>}.

usage: python list_selected.py <project_dir> <profiles_dir> <selectors.txt> <out.json>
"""
import json
import sys

from dbt.cli.main import dbtRunner


def main():
    project_dir, profiles_dir, selectors_file, out = sys.argv[1:5]
    with open(selectors_file, encoding="utf-8") as f:
        selectors = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
    common = ["--project-dir", project_dir, "--profiles-dir", profiles_dir, "--quiet", "--no-partial-parse"]
    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success:
        raise SystemExit(f"dbt parse failed: {parsed.exception}")
    runner = dbtRunner(manifest=parsed.result)
    goldens = {}
    for selector in selectors:
        res = runner.invoke(["ls", *common, "--resource-type", "all", "-s", selector, "--output", "json", "--output-keys", "unique_id"])
        if res.success:
            goldens[selector] = sorted(json.loads(line)["unique_id"] for line in (res.result or []))
        else:
            goldens[selector] = {"error": str(res.exception)}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(goldens, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
