#!/usr/bin/env python3
"""Generate the parity goldens for the TypeScript Jinja engine.

Renders every test/jinja/cases/NAME.jinja with Python's jinja2 (3.1.6, the engine dbt
uses) and writes test/jinja/expected/NAME.out, or NAME.err containing "error" when
jinja2 raises (syntax or runtime). An optional NAME.json holds the render context.

The environment mirrors dbt's: jinja2.ext.do and jinja2.ext.loopcontrols, default
Undefined, no trim_blocks / lstrip_blocks, keep_trailing_newline False, plus dbt's block
tags (test, materialization, docs, snapshot) and dbt's `return()` semantics: a host
function raises MacroReturn and the innermost macro call returns its value.

The host functions below are mirrored in test/jinja/host.ts; keep them in sync.

It also writes test/jinja/expected/_options.json: for every ws_/dbt_/if_/for_/macro_
case, the output under each non-default combination of trim_blocks, lstrip_blocks and
keep_trailing_newline (key "TLK" with 1/0 flags; null when jinja2 raises).

Usage: pip install jinja2==3.1.6 && python3 scripts/jinja-goldens.py [NAME ...]
"""

import json
import pathlib
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.runtime

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "test" / "jinja" / "cases"
EXPECTED = ROOT / "test" / "jinja" / "expected"


class MacroReturn(Exception):
    """dbt's `return()`: carries the macro's return value."""

    def __init__(self, value):
        super().__init__()
        self.value = value


_original_invoke = jinja2.runtime.Macro._invoke


def _invoke_catching_return(self, arguments, autoescape):
    # dbt wraps every macro call (MacroGenerator.call_macro) and turns MacroReturn
    # into the call's value; emulate that at the jinja2 Macro level.
    try:
        return _original_invoke(self, arguments, autoescape)
    except MacroReturn as e:
        return e.value


jinja2.runtime.Macro._invoke = _invoke_catching_return


# ---------------------------------------------------------------- dbt block tags


class TestBlockExtension(jinja2.ext.Extension):
    """{% test name(args) %}...{% endtest %} defines macro `test_<name>`."""

    tags = {"test"}

    def parse(self, parser):
        node = jinja2.nodes.Macro(lineno=next(parser.stream).lineno)
        name = parser.parse_assign_target(name_only=True).name
        parser.parse_signature(node)
        node.name = "test_" + name
        node.body = parser.parse_statements(("name:endtest",), drop_needle=True)
        return node


class MaterializationExtension(jinja2.ext.Extension):
    """{% materialization name, adapter='x' %} defines `materialization_<name>_<adapter>`."""

    tags = {"materialization"}

    def parse(self, parser):
        node = jinja2.nodes.Macro(lineno=next(parser.stream).lineno)
        name = parser.parse_assign_target(name_only=True).name
        adapter = "default"
        node.args = []
        node.defaults = []
        while parser.stream.skip_if("comma"):
            target = parser.parse_assign_target(name_only=True)
            if target.name == "default":
                continue
            if target.name == "adapter":
                parser.stream.expect("assign")
                adapter = parser.parse_expression().value
            elif target.name == "supported_languages":
                target.set_ctx("param")
                node.args.append(target)
                parser.stream.expect("assign")
                node.defaults.append(parser.parse_expression())
            else:
                parser.fail(f"invalid materialization config argument {target.name!r}")
        node.name = f"materialization_{name}_{adapter}"
        node.body = parser.parse_statements(("name:endmaterialization",), drop_needle=True)
        return node


class DocsExtension(jinja2.ext.Extension):
    """{% docs name %}...{% enddocs %} defines macro `docs_<name>` (renders nothing in place)."""

    tags = {"docs"}

    def parse(self, parser):
        node = jinja2.nodes.Macro(lineno=next(parser.stream).lineno)
        name = parser.parse_assign_target(name_only=True).name
        node.args = []
        node.defaults = []
        node.name = "docs_" + name
        node.body = parser.parse_statements(("name:enddocs",), drop_needle=True)
        return node


class SnapshotExtension(jinja2.ext.Extension):
    """{% snapshot name %}...{% endsnapshot %} renders its body in place."""

    tags = {"snapshot"}

    def parse(self, parser):
        next(parser.stream)
        parser.parse_assign_target(name_only=True)
        return parser.parse_statements(("name:endsnapshot",), drop_needle=True)


# ---------------------------------------------------------------- host functions


def _return(value=None):
    raise MacroReturn(value)


def ref(*args, **kwargs):
    name = args[-1]
    schema = args[0] if len(args) > 1 else "dbt"
    if "v" in kwargs or "version" in kwargs:
        name = f"{name}_v{kwargs.get('v', kwargs.get('version'))}"
    return f'"analytics"."{schema}"."{name}"'


def source(source_name, table_name):
    return f'"raw"."{source_name}"."{table_name}"'


VARS = {"start_date": "2020-01-01", "limit": 10, "enabled": True, "cols": ["a", "b"]}


def var(name, default=None):
    if name in VARS:
        return VARS[name]
    if default is None:
        raise Exception(f"Required var '{name}' not found")
    return default


ENV = {"DBT_USER": "alice"}


def env_var(name, default=None):
    if name in ENV:
        return ENV[name]
    if default is None:
        raise Exception(f"Env var required but not provided: '{name}'")
    return default


def config(*args, **kwargs):
    return ""


def echo(*args, **kwargs):
    return f"args={list(args)!r} kwargs={dict(sorted(kwargs.items()))!r}"


def raise_error(msg):
    raise Exception(msg)


def is_incremental():
    return False


def log(msg, info=False):
    return ""


class Relation:
    def __init__(self, database, schema, identifier):
        self.database = database
        self.schema = schema
        self.identifier = identifier
        self.name = identifier

    def __str__(self):
        return f'"{self.database}"."{self.schema}"."{self.identifier}"'


class Adapter:
    def quote(self, identifier):
        return f'"{identifier}"'


class Exceptions:
    def raise_compiler_error(self, msg):
        raise Exception(msg)


class Target:
    name = "dev"
    schema = "dbt_alice"
    type = "duckdb"
    threads = 4


def host_globals():
    return {
        "return": _return,
        "ref": ref,
        "source": source,
        "var": var,
        "env_var": env_var,
        "config": config,
        "echo": echo,
        "raise_error": raise_error,
        "is_incremental": is_incremental,
        "log": log,
        "this": Relation("analytics", "dbt", "my_model"),
        "adapter": Adapter(),
        "exceptions": Exceptions(),
        "target": Target(),
    }


def make_env(trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=False):
    env = jinja2.Environment(
        trim_blocks=trim_blocks,
        lstrip_blocks=lstrip_blocks,
        keep_trailing_newline=keep_trailing_newline,
        extensions=[
            "jinja2.ext.do",
            "jinja2.ext.loopcontrols",
            TestBlockExtension,
            MaterializationExtension,
            DocsExtension,
            SnapshotExtension,
        ],
    )
    env.globals.update(host_globals())
    return env


def main(argv):
    EXPECTED.mkdir(parents=True, exist_ok=True)
    names = argv or sorted(p.stem for p in CASES.glob("*.jinja"))
    ok = err = 0
    for name in names:
        source_text = (CASES / f"{name}.jinja").read_bytes().decode("utf-8")
        ctx_path = CASES / f"{name}.json"
        ctx = json.loads(ctx_path.read_text("utf-8")) if ctx_path.exists() else {}
        for stale in (EXPECTED / f"{name}.out", EXPECTED / f"{name}.err"):
            if stale.exists():
                stale.unlink()
        try:
            out = make_env().from_string(source_text).render(**ctx)
        except Exception as e:  # noqa: BLE001 - any jinja2 failure is an expected error
            (EXPECTED / f"{name}.err").write_text("error\n", "utf-8")
            err += 1
            print(f"{name}: error ({type(e).__name__}: {e})")
            continue
        (EXPECTED / f"{name}.out").write_bytes(out.encode("utf-8"))
        ok += 1
    print(f"{ok} outputs, {err} errors, jinja2 {jinja2.__version__}")
    if not argv:
        write_option_variants()


OPTION_PREFIXES = ("ws_", "dbt_", "if_", "for_", "macro_")


def write_option_variants():
    variants = {}
    for path in sorted(CASES.glob("*.jinja")):
        name = path.stem
        if not name.startswith(OPTION_PREFIXES):
            continue
        source_text = path.read_bytes().decode("utf-8")
        ctx_path = CASES / f"{name}.json"
        ctx = json.loads(ctx_path.read_text("utf-8")) if ctx_path.exists() else {}
        per_case = {}
        for t in (0, 1):
            for l in (0, 1):
                for k in (0, 1):
                    if not (t or l or k):
                        continue
                    try:
                        env = make_env(bool(t), bool(l), bool(k))
                        per_case[f"{t}{l}{k}"] = env.from_string(source_text).render(**ctx)
                    except Exception:  # noqa: BLE001
                        per_case[f"{t}{l}{k}"] = None
        variants[name] = per_case
    out = json.dumps(variants, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (EXPECTED / "_options.json").write_text(out, "utf-8")
    print(f"{len(variants) * 7} option variants")


if __name__ == "__main__":
    main(sys.argv[1:])
