import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scan } from '../server/src/core/scanner';
import { parseMarkers } from './support/markers';

/** Each case marks the expected name spans of the refs (in order) with « ». */
const refCases: Array<[string, string, string[]]> = [
  ['single quotes', "select * from {{ ref('«silver_orders»') }}", ['silver_orders']],
  ['double quotes', 'select * from {{ ref("«silver_orders»") }}', ['silver_orders']],
  ['no spaces', "select * from {{ref('«a»')}}", ['a']],
  ['package', "{{ ref('pkg', '«m»') }}", ['m']],
  ['version kwarg', "{{ ref('«m»', v=2) }}", ['m']],
  ['split over lines', "{{\n  ref(\n    '«orders»'\n  )\n}}", ['orders']],
  ['depends_on comment', "-- depends_on: {{ ref('«x»') }}\nselect 1", ['x']],
  ['two refs', "{{ ref('«a»') }} join {{ ref('«b»') }}", ['a', 'b']],
  ['in set block', "{% set rel = ref('«a»') %}select * from {{ rel }}", ['a']],
  ['in if block', "{% if is_incremental() %}{{ ref('«a»') }}{% endif %}", ['a']],
  ['not in jinja comment', "{# {{ ref('hidden') }} #}{{ ref('«shown»') }}", ['shown']],
  ['closer inside string', "{{ ref('«a}}b»') }}", ['a}}b']],
  ['sql text is not jinja', "select 'ref(\"x\")' as t, {{ ref('«a»') }}", ['a']],
];

describe('scanner: ref()', () => {
  for (const [title, marked, names] of refCases) {
    it(title, () => {
      const { text, spans } = parseMarkers(marked);
      const result = scan(text);
      assert.deepEqual(result.refs.map((r) => r.name), names);
      assert.deepEqual(result.refs.map((r) => r.span), spans);
      assert.deepEqual(result.problems, []);
    });
  }

  it('reads the package and version', () => {
    const [withPkg] = scan("{{ ref('pkg', 'm') }}").refs;
    assert.equal(withPkg!.packageName, 'pkg');
    const [versioned] = scan("{{ ref('m', v=2) }}").refs;
    assert.equal(versioned!.version, '2');
  });

  it('reports names built at render time as dynamic, not as refs', () => {
    const result = scan("{{ ref('a_' ~ x) }} {{ ref(var('m')) }} {{ source(s, 't') }}");
    assert.deepEqual(result.refs, []);
    assert.deepEqual(result.dynamic.map((d) => d.fn), ['ref', 'ref', 'source']);
    assert.deepEqual(result.problems, []);
  });
});

describe('scanner: source(), config(), macros, blocks', () => {
  it('source() spans both names', () => {
    const { text, spans } = parseMarkers("select * from {{ source('«landing»', '«orders»') }}");
    const [s] = scan(text).sources;
    assert.equal(s!.source, 'landing');
    assert.equal(s!.table, 'orders');
    assert.deepEqual([s!.sourceSpan, s!.tableSpan], spans);
  });

  it('config() literal keyword arguments, dynamic ones named', () => {
    const [c] = scan("{{ config(materialized='incremental', unique_key=['id', 'day'], tags=[\"a\"], enabled=True, meta={'owner': 'x'}, schema=var('s'), batch=-5) }}").configs;
    assert.deepEqual(c!.values, { materialized: 'incremental', unique_key: ['id', 'day'], tags: ['a'], enabled: true, meta: { owner: 'x' }, batch: -5 });
    assert.deepEqual(c!.dynamicKeys, ['schema']);
  });

  it('macro calls, namespaced, not methods or builtins', () => {
    const { text, spans } = parseMarkers("{{ «multiply_columns_and_round»('a', 'b') }} {{ «dbt.date_trunc»('day', 'x') }} {{ 'x'.upper() }} {{ var('a') }} {{ ref('m') }}");
    const calls = scan(text).macroCalls;
    assert.deepEqual(calls.map((c) => c.name), ['multiply_columns_and_round', 'dbt.date_trunc']);
    assert.deepEqual(calls.map((c) => c.span), spans);
  });

  it('block definitions with name spans and parameters', () => {
    const { text, spans } = parseMarkers(
      "{% macro «m»(col1, col2, decimal_places=2) %}round({{ col1 }}){% endmacro %}\n{% test «assert_non_negative»(model, column_name) %}select 1{% endtest %}\n{% snapshot «products_snapshot» %}{{ config(unique_key='id') }}select 1{% endsnapshot %}",
    );
    const blocks = scan(text).blocks;
    assert.deepEqual(blocks.map((b) => [b.kind, b.name]), [['macro', 'm'], ['test', 'assert_non_negative'], ['snapshot', 'products_snapshot']]);
    assert.deepEqual(blocks.map((b) => b.nameSpan), spans);
    assert.deepEqual(blocks[0]!.params, [{ name: 'col1' }, { name: 'col2' }, { name: 'decimal_places', defaultText: '2' }]);
    assert.equal(text.slice(blocks[0]!.span.start, blocks[0]!.span.end), '{% macro m(col1, col2, decimal_places=2) %}round({{ col1 }}){% endmacro %}');
  });

  it('whitespace control markers are not part of the tag', () => {
    const result = scan("{%- macro m(x) -%}{{- ref('a') -}}{%- endmacro -%}\n{%+ snapshot s +%}select 1{%- endsnapshot %}");
    assert.deepEqual(result.blocks.map((b) => b.name), ['m', 's']);
    assert.deepEqual(result.refs.map((r) => r.name), ['a']);
    assert.deepEqual(result.problems, []);
  });

  it('skips raw blocks', () => {
    assert.deepEqual(scan("{% raw %}{{ ref('no') }}{% endraw %}{{ ref('yes') }}").refs.map((r) => r.name), ['yes']);
  });
});

describe('scanner: tolerance', () => {
  it('unterminated tag: reported at the opener, later refs still found', () => {
    const text = "select {{ ref('a') \nfrom x\n{{ ref('b') }}";
    const result = scan(text);
    assert.deepEqual(result.refs.map((r) => r.name), ['a', 'b']);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]!.span.start, text.indexOf('{{'));
  });

  it('unbalanced quote: reported at the quote; the half-typed ref is still read', () => {
    const text = "{{ ref('a') }}\n{{ ref('b }}\nselect 1";
    const result = scan(text);
    assert.ok(result.problems.some((p) => /Unterminated string/.test(p.message) && p.span.start === text.indexOf("'b")));
    assert.deepEqual(result.refs.map((r) => r.name), ['a', 'b']);
  });

  it('unterminated comment and unclosed block', () => {
    assert.match(scan("{{ ref('a') }} {# oops").problems[0]!.message, /Unterminated comment/);
    const unclosed = scan('{% macro m() %}select 1');
    assert.match(unclosed.problems[0]!.message, /Unclosed '\{% macro m %\}'/);
  });

  it('never throws on random bytes and mutations', () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = "{}%#()'\",=~-+.[]: \nabcref_source_config\u0000\uFFFD";
    const base = "{{ config(materialized='table') }}\nselect * from {{ ref('a') }} join {{ source('s','t') }}\n{% macro m(x=1) %}{{ x }}{% endmacro %}";
    for (let i = 0; i < 3000; i++) {
      let text = '';
      if (i % 2 === 0) {
        const len = Math.floor(rand() * 200);
        for (let k = 0; k < len; k++) text += alphabet[Math.floor(rand() * alphabet.length)];
      } else {
        const cut = Math.floor(rand() * base.length);
        text = base.slice(0, cut) + alphabet[Math.floor(rand() * alphabet.length)] + base.slice(cut + Math.floor(rand() * 5));
      }
      const result = scan(text);
      for (const r of result.refs) assert.ok(r.span.start >= 0 && r.span.end <= text.length && r.span.start <= r.span.end);
      for (const p of result.problems) assert.ok(p.span.start >= 0 && p.span.end <= text.length + 1);
    }
  });
});
