/**
 * Parse time as dbt parse does it: what rendering records (and what the static fast path may
 * stand in for), and bad input: a macro raising, runaway recursion, a render that never ends,
 * packages not installed, Jinja errors in yml values. Each is a diagnostic with file, line and
 * cause, and the rest of the project loads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import type { Diagnostic } from '../server/src/core/diagnostics';
import { LineIndex } from '../server/src/core/text';

const PROJECT = "name: p\nversion: '1.0'\nconfig-version: 2\nprofile: p\n";

function load(files: Record<string, string>, options: Parameters<typeof analyzeProject>[2] = {}) {
  const host = new MemoryHost({ 'dbt_project.yml': PROJECT, ...files }, '/p');
  return analyzeProject(host, '/p', options);
}

/** `file:line: code: message` of each error, for readable assertions. */
function errors(analysis: ReturnType<typeof load>): string[] {
  return analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => where(analysis, d));
}

function where(analysis: ReturnType<typeof load>, d: Diagnostic): string {
  const text = analysis.project.files.get(d.file)?.text ?? '';
  const line = d.span ? new LineIndex(text).position(d.span.start).line + 1 : 0;
  return `${d.file}:${line}: ${d.code}: ${d.message}`;
}

const parents = (analysis: ReturnType<typeof load>, id: string): string[] => [...(analysis.project.nodes.get(id)?.dependsOn ?? [])].sort();

describe('parse time: what the render records', () => {
  it('the fast path stands in only for files of literal ref/source/config calls', () => {
    const a = load({
      'models/a.sql': 'select 1 as id',
      'models/plain.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('a') }}",
      'models/computed.sql': "select * from {{ ref('a' ~ '') }}",
      'models/with_this.sql': "select * from {{ ref('a') }} -- {{ this }}",
    });
    const by = (name: string): string | undefined => a.project.nodes.get(`model.p.${name}`)?.parsed?.by;
    assert.equal(by('plain'), 'scan');
    assert.equal(by('computed'), 'render');
    assert.equal(by('with_this'), 'render');
    assert.deepEqual(parents(a, 'model.p.computed'), ['model.p.a']);
    assert.equal(a.project.nodes.get('model.p.plain')!.config.materialized, 'table');
  });

  it('a project overriding ref turns the fast path off, and its override is what records', () => {
    const a = load({
      'macros/ref.sql': "{% macro ref(name) %}{{ return(builtins.ref(name ~ '_v')) }}{% endmacro %}",
      'models/a_v.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('a') }}",
    });
    assert.equal(a.project.nodes.get('model.p.b')!.parsed!.by, 'render');
    assert.deepEqual(parents(a, 'model.p.b'), ['model.p.a_v']);
  });

  it("records the macros a node's own Jinja calls (dbt's depends_on.macros), not the ones they call", () => {
    const a = load({
      'macros/m.sql': "{% macro outer() %}{{ inner() }}{% endmacro %}\n{% macro inner() %}x{% endmacro %}",
      'models/a.sql': 'select {{ outer() }} as id',
    });
    assert.deepEqual(a.project.nodes.get('model.p.a')!.parsed!.macros, ['macro.p.outer']);
  });

  it('a ref found only by rendering points at the call that led to it, and says whether its name is written there', () => {
    const a = load({
      'macros/m.sql': "{% macro from_a() %}{{ ref('a') }}{% endmacro %}\n{% macro cte(name) %}{{ ref(name) }}{% endmacro %}",
      'models/a.sql': 'select 1 as id',
      'models/b.sql': 'select * from {{ from_a() }}',
      'models/c.sql': "select * from {{ cte('a') }}",
    });
    const b = a.project.nodes.get('model.p.b')!;
    const text = (name: string, span: { start: number; end: number }): string => a.project.files.get(`models/${name}.sql`)!.text!.slice(span.start, span.end);
    assert.equal(b.refs[0]!.literal, false);
    assert.equal(text('b', b.refs[0]!.span), 'from_a()');
    const c = a.project.nodes.get('model.p.c')!;
    assert.equal(c.refs[0]!.literal, undefined);
    assert.equal(text('c', c.refs[0]!.span), 'a');
  });

  it('env_var answers its default when no environment is given (an untrusted workspace)', () => {
    const a = load({
      'models/a.sql': "{{ config(enabled = env_var('BUILD_A', 'yes') == 'yes') }}\nselect 1 as id",
      'models/b.sql': "{{ config(enabled = env_var('BUILD_B', 'no') == 'yes') }}\nselect 1 as id",
    });
    assert.ok(a.project.nodes.has('model.p.a'));
    assert.ok(a.project.disabled.has('b'));
    const trusted = load({ 'models/b.sql': "{{ config(enabled = env_var('BUILD_B', 'no') == 'yes') }}\nselect 1 as id" }, { env: { BUILD_B: 'yes' } });
    assert.ok(trusted.project.nodes.has('model.p.b'));
  });

  it('a missing var answers none at parse time, as in dbt (compiling fails on it)', () => {
    const a = load({ 'models/a.sql': "{% if var('nope') is none %}select 1 as id{% endif %}" });
    assert.deepEqual(errors(a), []);
  });
});

describe('parse time: bad input is a diagnostic with file, line and cause; the rest loads', () => {
  it('a macro raising at parse time', () => {
    const a = load({
      'macros/m.sql': "{% macro must(x) %}\n{% if not x %}{{ exceptions.raise_compiler_error('x is required') }}{% endif %}\n{% endmacro %}",
      'models/a.sql': 'select 1 as id',
      'models/bad.sql': "select 1 as id\n-- {{ must(none) }}",
    });
    assert.deepEqual(errors(a), ['models/bad.sql:2: jinja-render: Compilation Error: x is required (in macros/m.sql, line 2)']);
    assert.ok(a.project.nodes.has('model.p.a'));
  });

  it('infinite recursion stops at a depth limit', () => {
    const a = load({
      'macros/m.sql': '{% macro again(n) %}{{ again(n + 1) }}{% endmacro %}',
      'models/a.sql': 'select 1 as id',
      'models/loop.sql': 'select 1\n{{ again(0) }}',
    });
    const e = errors(a);
    assert.equal(e.length, 1);
    assert.match(e[0]!, /^models\/loop\.sql:2: jinja-render: maximum recursion depth exceeded/);
    assert.ok(a.project.nodes.has('model.p.a'));
  });

  it('a render that never ends stops at its budget', () => {
    const started = Date.now();
    const a = load({
      'models/a.sql': 'select 1 as id',
      'models/forever.sql': "select 1\n{% for i in range(1000000000) %}{% set x = i %}{% endfor %}\nselect * from {{ ref('a') }}",
    });
    const e = errors(a);
    assert.equal(e.length, 1);
    assert.match(e[0]!, /^models\/forever\.sql:2: jinja-render: maximum number of steps/);
    // Whatever the render recorded, the scan's literal refs keep the node in the graph.
    assert.deepEqual(parents(a, 'model.p.forever'), ['model.p.a']);
    assert.ok(Date.now() - started < 60_000);
  });

  it('packages listed but not installed: one message, not an error per ref', () => {
    const a = load({
      'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n',
      'models/a.sql': "select {{ dbt_utils.generate_surrogate_key(['id']) }} from {{ ref('stg') }}",
      'models/b.sql': "select * from {{ ref('dbt_utils', 'x') }}",
      'models/c.sql': 'select 1 as id',
    });
    const e = errors(a);
    assert.equal(e.length, 1, e.join('\n'));
    assert.match(e[0]!, /^packages\.yml:\d+: project-config: packages not installed: dbt_utils/);
    assert.ok(a.project.nodes.has('model.p.c'));
  });

  it('a Jinja error inside a yml value', () => {
    const a = load({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': 'select 1 as id',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    config:\n      enabled: "{{ var(\'x\', true) | no_such_filter }}"\n  - name: b\n    config:\n      tags: ["{{ 1 / 0 }}"]\n',
    });
    const e = errors(a);
    assert.equal(e.length, 2, e.join('\n'));
    assert.match(e[0]!, /^models\/schema\.yml:5: jinja-render: Cannot render .*no_such_filter/);
    assert.match(e[1]!, /^models\/schema\.yml:8: jinja-render: Cannot render .*division by zero/);
    assert.ok(a.project.nodes.has('model.p.a') && a.project.nodes.has('model.p.b'));
  });

  it('a Jinja error in dbt_project.yml', () => {
    const host = new MemoryHost(
      { 'dbt_project.yml': `${PROJECT}models:\n  p:\n    +schema: "{{ target.nope.deeper }}"\n`, 'models/a.sql': 'select 1 as id' },
      '/p',
    );
    const a = analyzeProject(host, '/p');
    const e = a.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(e.length, 1);
    assert.equal(e[0]!.file, 'dbt_project.yml');
    const text = (host.read('/p/dbt_project.yml') as { text: string }).text;
    assert.equal(new LineIndex(text).position(e[0]!.span!.start).line + 1, 7);
    assert.ok(a.project.nodes.has('model.p.a'));
  });
});
