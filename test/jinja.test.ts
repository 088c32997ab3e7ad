// Jinja engine tests: parity with Python jinja2 3.1.6 (goldens produced by
// scripts/jinja-goldens.py) plus focused unit tests for the API contract.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isUndefined, Kwargs, listBlocks, MacroReturn, parse, positionAt, render, Undefined,
  type RenderOptions, type RenderResult, type Template,
} from '../server/src/core/jinja';
import { hostGlobals } from './jinja/host';

// Compiled to out/test/jinja.test.js; the fixtures stay in the source tree.
const JINJA_DIR = join(__dirname, '..', '..', 'test', 'jinja');
const CASES = join(JINJA_DIR, 'cases');
const EXPECTED = join(JINJA_DIR, 'expected');

function loadContext(name: string): Record<string, unknown> {
  const p = join(CASES, `${name}.json`);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>) : {};
}

/** Render like the golden script: host functions + the case's JSON context. */
function renderCase(source: string, ctx: Record<string, unknown>, options?: RenderOptions): { ok: boolean; output: string; why: string } {
  const { template, diagnostics } = parse(source);
  const result = render(template, { ...hostGlobals(), ...ctx }, options);
  if (diagnostics.length) return { ok: false, output: result.output, why: `syntax: ${diagnostics[0]!.message}` };
  if (result.error) return { ok: false, output: result.output, why: `runtime: ${result.error.message}` };
  return { ok: true, output: result.output, why: '' };
}

function r(source: string, globals: object = {}, options?: RenderOptions): RenderResult {
  const { template } = parse(source);
  return render(template, globals, options);
}

const caseNames = readdirSync(CASES)
  .filter((f) => f.endsWith('.jinja'))
  .map((f) => f.slice(0, -'.jinja'.length))
  .sort();

describe('parity with jinja2 (test/jinja/cases)', () => {
  test('has a golden for every case', () => {
    assert.ok(caseNames.length >= 150, `only ${caseNames.length} cases`);
    for (const name of caseNames) {
      assert.ok(
        existsSync(join(EXPECTED, `${name}.out`)) || existsSync(join(EXPECTED, `${name}.err`)),
        `missing golden for ${name}; run scripts/jinja-goldens.py`,
      );
    }
  });

  for (const name of caseNames) {
    test(name, () => {
      const source = readFileSync(join(CASES, `${name}.jinja`), 'utf8');
      const got = renderCase(source, loadContext(name));
      if (existsSync(join(EXPECTED, `${name}.err`))) {
        assert.equal(got.ok, false, `jinja2 raises but we rendered: ${JSON.stringify(got.output)}`);
      } else {
        assert.equal(got.why, '', 'unexpected error');
        assert.equal(got.output, readFileSync(join(EXPECTED, `${name}.out`), 'utf8'));
      }
    });
  }
});

describe('parity of whitespace options (expected/_options.json)', () => {
  const variants = JSON.parse(readFileSync(join(EXPECTED, '_options.json'), 'utf8')) as Record<string, Record<string, string | null>>;
  for (const name of Object.keys(variants).sort()) {
    test(name, () => {
      const source = readFileSync(join(CASES, `${name}.jinja`), 'utf8');
      for (const [key, expected] of Object.entries(variants[name]!)) {
        const options: RenderOptions = { trimBlocks: key[0] === '1', lstripBlocks: key[1] === '1', keepTrailingNewline: key[2] === '1' };
        const got = renderCase(source, loadContext(name), options);
        if (expected === null) assert.equal(got.ok, false, `${key}: jinja2 raises`);
        else assert.equal(got.output, expected, `options ${key} (trim, lstrip, keep)`);
      }
    });
  }
});

describe('syntax diagnostics', () => {
  function lineCol(source: string, offset: number): string {
    const p = positionAt(source, offset);
    return `${p.line + 1}:${p.character + 1}`;
  }

  test('unclosed {% if %} is reported at the opening tag', () => {
    const src = 'select 1\n  {% if is_incremental() %}\n where x\n';
    const { diagnostics } = parse(src);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /looking for the following tags: 'elif' or 'else' or 'endif'/);
    assert.equal(lineCol(src, diagnostics[0]!.span.start), '2:3');
    assert.equal(src.slice(diagnostics[0]!.span.start, diagnostics[0]!.span.end), '{% if is_incremental() %}');
  });

  test('unterminated string is reported at the quote', () => {
    const src = "a\n{{ 'abc }}\nb {{ x }}";
    const { diagnostics } = parse(src);
    assert.ok(diagnostics.length >= 1);
    assert.match(diagnostics[0]!.message, /unterminated string/);
    assert.equal(lineCol(src, diagnostics[0]!.span.start), '2:4');
  });

  test("{{ ref('a' }} points at the tag end", () => {
    const src = "select * from {{ ref('a' }}";
    const { diagnostics } = parse(src);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.message, "unexpected '}}', expected ')'");
    assert.equal(src.slice(diagnostics[0]!.span.start, diagnostics[0]!.span.end), '}}');
    assert.equal(lineCol(src, diagnostics[0]!.span.start), '1:26');
  });

  test('nesting mistake closes the inner block and keeps parsing', () => {
    const src = '{% for x in y %}{% if x %}{% endfor %}after {{ 1 }}';
    const { diagnostics, template } = parse(src);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /Unclosed 'if' block/);
    assert.equal(diagnostics[0]!.span.start, src.indexOf('{% if'));
    assert.equal(render(template, {}).output.endsWith('after 1'), true);
  });

  test('unknown tags and filters are diagnostics; parsing continues', () => {
    const src = "{% include 'x' %}{{ a|nope }}{% if %}{% endif %}{{ 'ok' }}";
    const { diagnostics } = parse(src);
    const msgs = diagnostics.map((d) => d.message);
    assert.ok(msgs.some((m) => /Tag 'include'/.test(m)));
    assert.ok(msgs.some((m) => /No filter named 'nope'/.test(m)));
    assert.ok(msgs.some((m) => /Expected an expression/.test(m)));
    const filterDiag = diagnostics.find((d) => /No filter/.test(d.message))!;
    assert.equal(src.slice(filterDiag.span.start, filterDiag.span.end), 'nope');
  });

  test('expression node spans are exact', () => {
    const src = "{{ ref('orders') | upper }}";
    const { template } = parse(src);
    const out = template.body[0]!;
    assert.equal(out.kind, 'Output');
    if (out.kind !== 'Output') return;
    assert.equal(src.slice(out.expr.span.start, out.expr.span.end), "ref('orders') | upper");
    assert.equal(out.expr.kind, 'Filter');
    if (out.expr.kind === 'Filter' && out.expr.node) {
      assert.equal(src.slice(out.expr.node.span.start, out.expr.node.span.end), "ref('orders')");
    }
  });

  test('partial AST still renders the valid prefix', () => {
    const res = r('Hello {{ name }}! {{ 1 + }} never');
    assert.equal(res.output, 'Hello ! ');
    assert.ok(res.error);
    const res2 = r('Hello {{ name }}!{% if true %} inside {{ name }}', { name: 'W' });
    assert.equal(res2.output, 'Hello W! inside W');
  });
});

describe('host interop', () => {
  test('host functions receive Kwargs only when the call site has keyword args', () => {
    const calls: unknown[][] = [];
    const f = (...args: unknown[]) => {
      calls.push(args);
      return 'r';
    };
    const res = r("{{ f(1, 'a') }}{{ f(x=2) }}{{ f(1, *[2], **{'k': 3}) }}", { f });
    assert.equal(res.output, 'rrr');
    assert.deepEqual(calls[0], [1, 'a']);
    assert.ok(calls[1]![0] instanceof Kwargs);
    assert.deepEqual((calls[1]![0] as Kwargs).values, { x: 2 });
    assert.equal(calls[2]!.length, 3);
    assert.deepEqual((calls[2]![2] as Kwargs).values, { k: 3 });
  });

  test('method calls bind this; getters and inherited members are attributes', () => {
    class Rel {
      constructor(readonly id: string) {}
      get quoted(): string {
        return `"${this.id}"`;
      }
      include(...args: unknown[]): string {
        return `${this.id}:${args.length}`;
      }
    }
    const res = r('{{ rel.include(1, 2) }} {{ rel.quoted }} [{{ rel.nope }}] [{{ rel.toString is defined }}]', { rel: new Rel('t') });
    assert.equal(res.output, 't:2 "t" [] [False]');
  });

  test('globals resolve through prototype chains and proxies', () => {
    const base = { inherited: 'from-proto' };
    const globals = Object.create(base) as Record<string, unknown>;
    globals['own'] = 'own';
    assert.equal(r('{{ own }} {{ inherited }} [{{ toString }}]', globals).output, 'own from-proto []');
    const seen: string[] = [];
    const proxy = new Proxy({}, {
      has: (_t, k) => typeof k === 'string' && k.startsWith('dyn_'),
      get: (_t, k) => {
        seen.push(String(k));
        return `<${String(k)}>`;
      },
    });
    assert.equal(r('{{ dyn_a }} {{ other is defined }}', proxy).output, '<dyn_a> False');
    assert.deepEqual(seen, ['dyn_a']);
  });

  test('host errors become result.error at the call site', () => {
    const src = "a {{ boom('x') }} b";
    const res = r(src, { boom: () => { throw new Error('kaboom'); } });
    assert.equal(res.output, 'a ');
    assert.equal(res.error?.message, 'kaboom');
    assert.equal(src.slice(res.error!.span.start, res.error!.span.end), "boom('x')");
    const res2 = r('{{ boom() }}', { boom: () => { throw 'plain string'; } });
    assert.equal(res2.error?.message, 'plain string');
  });

  test('MacroReturn from a host function returns from the innermost macro', () => {
    const ret = (v: unknown) => { throw new MacroReturn(v); };
    const res = r(
      '{% macro inner() %}x{{ return([1, 2]) }}y{% endmacro %}{% macro outer() %}{% set v = inner() %}{{ return(v|length) }}{% endmacro %}{{ outer() + 1 }}',
      { return: ret },
    );
    assert.equal(res.error, undefined);
    assert.equal(res.output, '3');
    // Through a host wrapper (like dbt's adapter.dispatch calling a macro).
    const res2 = r('{% macro m() %}{% do return("v") %}{% endmacro %}{{ call_it(m) }}', {
      return: ret,
      call_it: (fn: (...a: unknown[]) => unknown) => `[${String(fn())}]`,
    });
    assert.equal(res2.output, '[v]');
  });

  test('exported macros are callable from JS with the same convention', () => {
    const res = r("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{% set answer = 42 %}{% macro r() %}{{ return({'k': 1}) }}{% endmacro %}", {
      return: (v: unknown) => { throw new MacroReturn(v); },
    });
    const exp = res.exports as Record<string, (...a: unknown[]) => unknown>;
    assert.equal(exp['answer'], 42);
    assert.equal(exp['greet']!('Bo'), 'Hi Bo!');
    assert.equal(exp['greet']!('Bo', new Kwargs({ punct: '?' })), 'Hi Bo?');
    assert.deepEqual(exp['r']!(), { k: 1 });
    assert.throws(() => exp['greet']!(1, 2, 3), /takes not more than 2 argument/);
  });

  test('a macro from another template keeps its own globals; errors carry a trace', () => {
    const lib = parse("{% macro helper(x) %}{{ prefix }}{{ x.missing.deeper }}{% endmacro %}{% macro ok(x) %}{{ prefix }}{{ x }}{% endmacro %}");
    const libExports = render(lib.template, { prefix: 'lib:' }).exports;
    const src = "{{ ok('a') }} {{ helper({}) }}";
    const model = parse(src);
    const res = render(model.template, { ...libExports, prefix: 'model:' });
    assert.equal(res.output, 'lib:a ');
    assert.ok(res.error);
    assert.equal(src.slice(res.error.span.start, res.error.span.end), 'helper({})');
    assert.equal(res.error.trace?.[0]?.template, lib.template);
  });

  test('Undefined values', () => {
    const res = r('{% set u = missing %}{% set n = none %}');
    assert.ok(isUndefined(res.exports['u']));
    assert.ok(res.exports['u'] instanceof Undefined);
    assert.equal(res.exports['n'], null);
    const err = r('{{ missing.attr }}');
    assert.equal(err.error?.message, "'missing' is undefined");
    const res2 = r('{{ f() }}|{{ f() is defined }}', { f: () => undefined });
    assert.equal(res2.output, '|False');
  });
});

describe('guards', () => {
  test('maxSteps stops {% for i in range(100000000) %} (default limit)', () => {
    const t0 = Date.now();
    const res = r('{% for i in range(100000000) %}{% endfor %}done');
    assert.ok(res.error);
    assert.match(res.error.message, /maximum number of steps/);
    assert.ok(Date.now() - t0 < 20_000);
  });

  test('maxSteps counts macro calls (runaway recursion)', () => {
    const res = r('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', {}, { maxSteps: 500 });
    assert.ok(res.error);
    assert.match(res.error.message, /maximum number of steps \(500\)/);
  });

  test('maxOutputLength', () => {
    const res = r("{% for i in range(1000) %}{{ 'x' * 100 }}{% endfor %}", {}, { maxOutputLength: 5000 });
    assert.ok(res.error);
    assert.match(res.error.message, /maximum length/);
    assert.ok(res.output.length <= 5100);
  });

  test('deep recursion without a step limit does not throw', () => {
    const res = r('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', {}, { maxSteps: 1e9 });
    assert.ok(res.error);
  });
});

describe('discardOutput (parse time reads effects and exports, not text)', () => {
  const plain = (v: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'function' ? 'function' : x]));

  test('every parity case: no text, the same error and exports as a full render', () => {
    for (const name of caseNames) {
      const { template } = parse(readFileSync(join(CASES, `${name}.jinja`), 'utf8'));
      const globals = { ...hostGlobals(), ...loadContext(name) };
      const full = render(template, globals);
      const discarded = render(template, globals, { discardOutput: true });
      assert.equal(discarded.output, '', name);
      assert.deepEqual(discarded.error && { message: discarded.error.message, span: discarded.error.span }, full.error && { message: full.error.message, span: full.error.span }, name);
      assert.deepEqual(plain(discarded.exports), plain(full.exports), name);
    }
  });

  test('macro text, set blocks and recursive loops still produce what conditions and exports read', () => {
    const seen: unknown[] = [];
    const source = [
      "head {% macro m() %}a{{ rec('in-macro') }}{% endmacro %}",
      "{% if m() == 'a' %}{{ rec('taken') }}{% endif %}",
      '{% set x %}[{{ m() }}]{% endset %}{{ rec(x) }}',
      "{% for i in [[1, [2]]] recursive %}{% set y %}{{ loop(i[1:]) if i is iterable else i }}{% endset %}{% endfor %}",
      '{% filter upper %}{{ rec(m()) }}{% endfilter %}',
    ].join('');
    const res = r(source, { rec: (v: unknown) => (seen.push(v), '') }, { discardOutput: true });
    assert.equal(res.error, undefined);
    assert.equal(res.output, '');
    assert.equal(res.exports.x, '[a]');
    assert.deepEqual(seen, ['in-macro', 'taken', 'in-macro', '[a]', 'in-macro', 'a']);
    const fullSeen: unknown[] = [];
    const full = r(source, { rec: (v: unknown) => (fullSeen.push(v), '') });
    assert.deepEqual(fullSeen, seen);
    assert.equal(full.output, 'head ');
  });
});

describe('dbt block helpers', () => {
  test('listBlocks returns kinds, names and exact name spans', () => {
    const src = [
      "{% macro my_macro(a, b='x', c=[1, 2]) %}{% endmacro %}",
      '{% test not_null(model, column_name) %}select 1{% endtest %}',
      "{%- materialization table, adapter='duckdb' -%}{% endmaterialization %}",
      '{% snapshot orders_snap %}select 1{% endsnapshot %}',
      '{% docs my_doc %}text{% enddocs %}',
      '{% for i in x %}{% macro local() %}{% endmacro %}{% endfor %}',
    ].join('\n');
    const { template, diagnostics } = parse(src);
    assert.deepEqual(diagnostics, []);
    const blocks = listBlocks(template);
    const simplified = blocks.map((b) => [b.kind, b.name, b.macroName, src.slice(b.nameSpan.start, b.nameSpan.end), b.topLevel]);
    assert.deepEqual(simplified, [
      ['macro', 'my_macro', 'my_macro', 'my_macro', true],
      ['test', 'not_null', 'test_not_null', 'not_null', true],
      ['materialization', 'table', 'materialization_table_duckdb', 'table', true],
      ['snapshot', 'orders_snap', 'orders_snap', 'orders_snap', true],
      ['docs', 'my_doc', 'docs_my_doc', 'my_doc', true],
      ['macro', 'local', 'local', 'local', false],
    ]);
    assert.deepEqual(blocks[0]!.params, [{ name: 'a' }, { name: 'b', default: "'x'" }, { name: 'c', default: '[1, 2]' }]);
    assert.equal(blocks[2]!.adapter, 'duckdb');
    assert.equal(src.slice(blocks[0]!.span.start, blocks[0]!.span.end), "{% macro my_macro(a, b='x', c=[1, 2]) %}{% endmacro %}");
  });

  test('test and materialization blocks are exported as macros', () => {
    const res = r("{% test unique(model, column_name) %}select {{ column_name }} from {{ model }}{% endtest %}{% materialization view, default %}mat{% endmaterialization %}");
    const exp = res.exports as Record<string, (...a: unknown[]) => unknown>;
    assert.equal(exp['test_unique']!('t', 'id'), 'select id from t');
    assert.equal(exp['materialization_view_default']!(), 'mat');
  });
});

describe('robustness', () => {
  // Deterministic PRNG so failures reproduce.
  function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PIECES = ['{{', '}}', '{%', '%}', '{#', '#}', '-', '+', '(', ')', '[', ']', '{', '}', "'", '"', '\\', ' ', '\n', '\r', '|', '.', ',', ':', '=',
    'if', 'for', 'in', 'endif', 'endfor', 'macro', 'endmacro', 'set', 'call', 'endcall', 'raw', 'endraw', 'x', 'loop', 'caller', '1', '0.5', '**', '//', '~',
    'not', 'is', 'defined', 'else', 'elif', 'filter', 'endfilter', 'upper', 'ref', 'return', '\u00e9', '\ud83d\ude00', '\ud800', '\u0000', '%', '#'];

  function check(src: string, globals: object): void {
    let parsed: { template: Template; diagnostics: { span: { start: number; end: number } }[] };
    try {
      parsed = parse(src);
    } catch (err) {
      assert.fail(`parse threw on ${JSON.stringify(src)}: ${String(err)}`);
    }
    for (const d of parsed.diagnostics) {
      assert.ok(d.span.start >= 0 && d.span.end <= src.length && d.span.start <= d.span.end, `bad span for ${JSON.stringify(src)}`);
    }
    let res: RenderResult;
    try {
      res = render(parsed.template, globals, { maxSteps: 20_000, maxOutputLength: 200_000 });
    } catch (err) {
      assert.fail(`render threw on ${JSON.stringify(src)}: ${String(err)}`);
    }
    assert.equal(typeof res.output, 'string');
  }

  test('never throws on random strings and binary data', () => {
    const rand = mulberry32(12345);
    const globals = hostGlobals();
    for (let i = 0; i < 2500; i++) {
      let s = '';
      const n = Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) {
        if (rand() < 0.75) s += PIECES[Math.floor(rand() * PIECES.length)];
        else s += String.fromCharCode(Math.floor(rand() * 0x10000));
      }
      check(s, globals);
    }
  });

  test('never throws on mutated case templates', () => {
    const rand = mulberry32(777);
    const globals = hostGlobals();
    const sources = caseNames.map((n) => readFileSync(join(CASES, `${n}.jinja`), 'utf8'));
    for (let i = 0; i < 2500; i++) {
      let s = sources[Math.floor(rand() * sources.length)]!;
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const pos = Math.floor(rand() * (s.length + 1));
        const op = rand();
        if (op < 0.33) s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(rand() * 5));
        else if (op < 0.66) s = s.slice(0, pos) + PIECES[Math.floor(rand() * PIECES.length)] + s.slice(pos);
        else s = s.slice(0, pos) + String.fromCharCode(Math.floor(rand() * 128)) + s.slice(pos + 1);
      }
      check(s, globals);
    }
  });

  test('non-object globals and odd values do not throw', () => {
    assert.equal(render(parse('{{ x }}').template, null as unknown as object).output, '');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const res = r('{{ c }}', { c: cyclic });
    assert.equal(typeof res.output, 'string');
  });
});
