"""Compile every node of a dbt project separately with dbt-core, offline.

`dbt compile` stops at the first node whose compilation needs the warehouse (introspection,
`run_query`, `is_incremental()` looking up the relation, ...). This parses the project once, as
`dbt compile` does, then compiles each model, snapshot, analysis and test on its own, so a node
that needs a warehouse is recorded (with the macro chain that asked for one) and the others still
compile. No connection is ever opened: the adapter's `open` refuses, and an audit hook refuses any
socket connect or name lookup, so a profile pointing at a real warehouse reaches nothing.

--empty-warehouse answers relation lookups as a fresh warehouse would (nothing exists yet: no
query for get_relation, is_incremental() false), which is also what a compile without a
connection assumes in Medallion. run_started_at and invocation_id are pinned as run_dbt.py pins them.

usage: python compile_each.py --project-dir P --profiles-dir D --out OUT [--target T] [--vars YAML]
         [--empty-warehouse] [--select unique_id ...]
Writes OUT/<unique_id>.sql (shortened with a hash when too long) for each node compiled and OUT/summary.json:
  {"project", "adapter", "target", "empty_warehouse", "parse_seconds", "compile_seconds",
   "nodes": {unique_id: {"resource_type", "status": "compiled" | "needs-warehouse" | "failed",
                         "file"?, "reason"?}}}
"""
import argparse
import hashlib
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_dbt  # noqa: E402,F401  (pins run_started_at and invocation_id before dbt loads)

COMPILED_TYPES = ("model", "snapshot", "analysis", "test")


class NoWarehouse(Exception):
    """Raised wherever compilation would reach the network."""


def _refuse_network(event, args):
    if event == "socket.connect" and getattr(args[0], "family", None) == socket.AF_UNIX:
        return
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.sendto"):
        raise NoWarehouse(f"network refused ({event})")


def _what_asked():
    """The dbt macros and adapter methods on the stack, outermost first: why a connection was wanted."""
    from dbt.adapters.base.impl import BaseAdapter
    from dbt.clients.jinja import MacroGenerator

    chain = []
    frame = sys._getframe(2)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, MacroGenerator) and frame.f_code.co_name == "__call__":
            chain.append(owner.macro.unique_id.removeprefix("macro."))
        elif isinstance(owner, BaseAdapter) and not frame.f_code.co_name.startswith("_"):
            chain.append(f"adapter.{frame.f_code.co_name}")
        frame = frame.f_back
    deduped = []
    for step in reversed(chain):
        if not deduped or deduped[-1] != step:
            deduped.append(step)
    return " > ".join(deduped) or "a direct adapter call"


def _refuse_connection(cls, connection):
    raise NoWarehouse(f"needs a warehouse: {_what_asked()}")


def _close_unopened(cls, connection):
    # Nothing was ever opened; some adapters' close() reads the lazy handle, which would open one.
    from dbt.adapters.contracts.connection import ConnectionState

    connection.state = ConnectionState.CLOSED
    return connection


def _is_no_warehouse(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, NoWarehouse) or "needs a warehouse:" in str(exc) or "network refused" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _reason(exc):
    text = str(exc)
    marker = text.find("needs a warehouse:")
    if marker >= 0:
        return text[marker:].splitlines()[0]
    return " ".join(text.split())[:600]


def sql_file_name(unique_id):
    """<unique_id>.sql, shortened with a hash where a file name would be too long (long test names)."""
    if len(unique_id) <= 200:
        return f"{unique_id}.sql"
    return f"{unique_id[:180]}.{hashlib.md5(unique_id.encode()).hexdigest()[:10]}.sql"


def _reset(node):
    """Forget an earlier compilation (e.g. as someone's ephemeral CTE), as a fresh `dbt compile` would."""
    node.compiled = False
    node.compiled_code = None
    node.extra_ctes_injected = False
    node.extra_ctes = []
    node._pre_injected_sql = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--profiles-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--target")
    parser.add_argument("--vars")
    parser.add_argument("--empty-warehouse", action="store_true",
                        help="answer relation lookups as a fresh warehouse would (nothing exists yet), without asking one")
    parser.add_argument("--select", nargs="*", help="unique ids to compile (default: every model, snapshot, analysis and test)")
    opts = parser.parse_args()

    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)
    project_dir = os.path.realpath(opts.project_dir)  # as `cd P && dbt` sees it: ".." in paths leaves symlinks physically
    sys.addaudithook(_refuse_network)

    from dbt.adapters.factory import adapter_management, get_adapter
    from dbt.cli.flags import Flags, args_to_context
    from dbt.compilation import Compiler
    from dbt.config.runtime import RuntimeConfig
    from dbt.events.logging import setup_event_logger
    from dbt.flags import set_flags
    from dbt.parser.manifest import parse_manifest
    from dbt.tracking import initialize_from_flags
    from dbt_common.context import set_invocation_context

    args = ["compile", "--project-dir", project_dir, "--profiles-dir", os.path.abspath(opts.profiles_dir),
            "--target-path", os.path.join(out, "target"), "--log-path", os.path.join(out, "logs"),
            "--no-partial-parse", "--no-send-anonymous-usage-stats", "--no-use-colors", "--quiet"]
    if opts.target:
        args += ["--target", opts.target]
    if opts.vars:
        args += ["--vars", opts.vars]
    flags = Flags(args_to_context(args))
    set_flags(flags)
    set_invocation_context(dict(os.environ))
    setup_event_logger(flags)
    initialize_from_flags(False, flags.PROFILES_DIR)  # tracking off, but dbt expects a user object
    os.chdir(project_dir)
    config = RuntimeConfig.from_args(flags)

    summary = {"project": config.project_name, "adapter": config.credentials.type, "target": config.target_name, "nodes": {}}
    with adapter_management():
        started = time.perf_counter()
        manifest = parse_manifest(config, write_perf_info=False, write=False, write_json=False, active_integrations=[])
        summary["parse_seconds"] = round(time.perf_counter() - started, 1)
        adapter = get_adapter(config)
        type(adapter.connections).open = classmethod(_refuse_connection)
        type(adapter.connections).close = classmethod(_close_unopened)
        if opts.empty_warehouse:
            # The relation cache then holds every schema the project uses, empty: get_relation and
            # is_incremental() answer "not there" without a query (adapters that override
            # get_relation with an API call still need a warehouse).
            adapter.cache.update_schemas((n.database, n.schema) for n in [*manifest.nodes.values(), *manifest.sources.values()])
        summary["empty_warehouse"] = opts.empty_warehouse
        compiler = Compiler(config)
        started = time.perf_counter()
        wanted = set(opts.select or [])
        for unique_id, node in manifest.nodes.items():
            if node.resource_type not in COMPILED_TYPES or (wanted and unique_id not in wanted):
                continue
            entry = {"resource_type": str(node.resource_type)}
            _reset(node)
            try:
                with adapter.connection_named(unique_id, node):
                    compiled = compiler.compile_node(node, manifest, {}, write=False)
                compiled_code = compiled.compiled_code or ""
            except Exception as exc:  # one node's failure must not stop the others
                entry.update(status="needs-warehouse" if _is_no_warehouse(exc) else "failed", reason=_reason(exc))
            else:
                entry.update(status="compiled", file=sql_file_name(unique_id))
                with open(os.path.join(out, entry["file"]), "w", encoding="utf-8") as f:
                    f.write(compiled_code)
            summary["nodes"][unique_id] = entry
        summary["compile_seconds"] = round(time.perf_counter() - started, 1)

    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    counts = {}
    for entry in summary["nodes"].values():
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    print(json.dumps({"project": summary["project"], "adapter": summary["adapter"], **counts,
                      "parse_seconds": summary["parse_seconds"], "compile_seconds": summary["compile_seconds"]}))


if __name__ == "__main__":
    main()
