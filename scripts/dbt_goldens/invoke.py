"""Run one dbt command and print what a golden keeps, as JSON on stdout:

  results <dbt args...>          {unique_id: status} of the invocation's results
  run <dbt args...>              nothing; fails when dbt does
  relations <dbt args...>        {unique_id: {status, relations}}: each result's status and the quoted
                                 relations ("db"."schema"."table") its compiled SQL reads
  ls <state_dir|-> <selector>... {selector: [unique_id, ...]} of `dbt ls -s <selector> [--state <state_dir>]`
                                 (the project is parsed once; a selector dbt refuses gives {"error": ...})

Arguments common to every invocation come from $DBT_COMMON_ARGS (e.g. --project-dir and --profiles-dir).
"""
import json
import os
import shlex
import sys

from dbt.cli.main import dbtRunner


def main():
    common = shlex.split(os.environ.get("DBT_COMMON_ARGS", "")) + ["--no-partial-parse", "--log-level", "none"]
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "results":
        res = dbtRunner().invoke([*rest, *common])
        if res.result is None or not hasattr(res.result, "results"):
            raise SystemExit(f"dbt {' '.join(rest)} failed: {res.exception}")
        print(json.dumps({r.node.unique_id: str(r.status) for r in res.result.results}, indent=1, sort_keys=True))
    elif mode == "relations":
        import re

        res = dbtRunner().invoke([*rest, *common])
        if res.result is None or not hasattr(res.result, "results"):
            raise SystemExit(f"dbt {' '.join(rest)} failed: {res.exception}")
        out = {}
        for r in res.result.results:
            code = getattr(r.node, "compiled_code", None) or ""
            out[r.node.unique_id] = {"status": str(r.status), "relations": sorted(set(re.findall(r'"[^"]+"\."[^"]+"\."[^"]+"', code)))}
        print(json.dumps(out, indent=1, sort_keys=True))
    elif mode == "run":
        res = dbtRunner().invoke([*rest, *common])
        if not res.success:
            raise SystemExit(f"dbt {' '.join(rest)} failed: {res.exception}")
    elif mode == "ls":
        state, selectors = rest[0], rest[1:]
        state_args = [] if state == "-" else ["--state", state]
        parsed = dbtRunner().invoke(["parse", *common])
        runner = dbtRunner(manifest=parsed.result)
        out = {}
        for selector in selectors:
            res = runner.invoke(["ls", *common, *state_args, "--resource-type", "all", "-s", selector, "--output", "json", "--output-keys", "unique_id"])
            out[selector] = sorted(json.loads(line)["unique_id"] for line in (res.result or [])) if res.success else {"error": str(res.exception)}
        print(json.dumps(out, indent=1, sort_keys=True))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
