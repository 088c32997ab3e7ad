/**
 * Compilation problems come back as diagnostics naming the file, the place and the cause;
 * good models compile to the SQL dbt would produce. Data-driven over in-memory projects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { fixedClock } from '../server/src/core/clock';
import { MemoryHost } from '../server/src/core/host';
import { createCompiler } from '../server/src/core/session';
import { mapCompiledLines } from '../server/src/core/compiler/source-map';
import { LineIndex } from '../server/src/core/text';
import { parseMarkers } from './support/markers';

const PROJECT = 'name: p\nprofile: p\nconfig-version: 2\nvars:\n  region: eu\n';

function compileOne(files: Record<string, string>, model: string, target?: string) {
  const host = new MemoryHost({ 'dbt_project.yml': PROJECT, ...files }, '/p');
  const analysis = analyzeProject(host, '/p');
  const { compiler } = createCompiler(host, analysis, { env: { GREETING: 'hi' }, profilesDirs: ['/p'], clock: fixedClock(new Date('2024-01-01T00:00:00Z')), ...(target ? { target } : {}) });
  return { result: compiler.compile(`model.p.${model}`), analysis };
}

/** Each case: files (the failing one carries «» around where the error must point), the model, the message pattern. */
const failures: Array<[string, Record<string, string>, string, string, RegExp]> = [
  ['unknown ref', { 'models/m.sql': "select * from {{ «ref('nope')» }}" }, 'm', 'models/m.sql', /depends on a node named 'nope' which was not found/],
  ['missing var', { 'models/m.sql': "select '{{ «var('missing')» }}'" }, 'm', 'models/m.sql', /Required var 'missing' not found/],
  ['missing env var', { 'models/m.sql': "select '{{ «env_var('NOT_SET_HERE')» }}'" }, 'm', 'models/m.sql', /Env var required but not provided: 'NOT_SET_HERE'/],
  ['macro raising', { 'macros/guard.sql': "{% macro guard(x) %}{{ exceptions.raise_compiler_error('bad ' ~ x) }}{% endmacro %}", 'models/m.sql': "select {{ «guard('input')» }}" }, 'm', 'models/m.sql', /Compilation Error: bad input/],
  ['jinja syntax error', { 'models/m.sql': 'select 1\n{% if true %}\nselect 2' }, 'm', 'models/m.sql', /Jinja syntax error/],
  ['error inside an ephemeral parent points at the parent', { 'models/e.sql': "{{ config(materialized='ephemeral') }}\nselect {{ «undefined_macro()» }}", 'models/m.sql': "select * from {{ ref('e') }}" }, 'm', 'models/e.sql', /undefined/],
];

describe('compile: problems as diagnostics with file, place and cause', () => {
  for (const [title, files, model, file, pattern] of failures) {
    it(title, () => {
      const clean: Record<string, string> = {};
      let expected: { start: number; end: number } | undefined;
      for (const [path, text] of Object.entries(files)) {
        const marked = parseMarkers(text);
        clean[path] = marked.text;
        if (path === file && marked.spans[0]) expected = marked.spans[0];
      }
      const { result } = compileOne(clean, model);
      assert.equal(result.sql, undefined);
      const d = result.diagnostics[0]!;
      assert.equal(d.file, file);
      assert.match(d.message, pattern);
      if (expected) {
        assert.ok(d.span, 'the diagnostic has a place');
        const at = new LineIndex(clean[file]!);
        assert.equal(at.position(d.span!.start).line, at.position(expected.start).line, `${d.message} points at the right line`);
        assert.ok(d.span!.start >= expected.start - 2 && d.span!.start <= expected.end, `${JSON.stringify(d.span)} within ${JSON.stringify(expected)}`);
      }
    });
  }
});

describe('compile: dbt context', () => {
  it('this, target, var, env_var, config.get, is_incremental, run_started_at', () => {
    const { result } = compileOne(
      {
        'models/m.sql':
          "{{ config(materialized='incremental', tags=['x']) }}\nselect '{{ this }}' as t, '{{ target.name }}/{{ target.type }}' as tg, '{{ var('region') }}' as r, '{{ env_var('GREETING') }}' as g, '{{ config.get('materialized') }}' as mat, {{ is_incremental() }} as inc, '{{ run_started_at }}' as at",
      },
      'm',
    );
    assert.equal(result.sql, `\nselect '"medallion"."main"."m"' as t, 'dev/duckdb' as tg, 'eu' as r, 'hi' as g, 'incremental' as mat, False as inc, '2024-01-01 00:00:00+00:00' as at`);
  });

  it('Databricks relations are backticked and lower-cased; cross-database macros render per engine', () => {
    const files = {
      'profiles.yml': "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      schema: main\n    dbx:\n      type: databricks\n      catalog: Retail\n      schema: Silver\n      host: h\n      http_path: /x\n      token: \"{{ env_var('TOKEN', 'none') }}\"\n",
      'models/m.sql': "select {{ dbt.dateadd('day', 1, 'd') }} as next_day, {{ dbt.type_string() }} as t from {{ ref('n') }}",
      'models/n.sql': 'select 1 as d',
    };
    const duck = compileOne(files, 'm').result.sql!.replace(/\s+/g, ' ');
    const dbx = compileOne(files, 'm', 'dbx').result.sql!.replace(/\s+/g, ' ');
    assert.equal(duck, 'select (d + cast(1 as bigint) * interval 1 day) as next_day, TEXT as t from "memory"."main"."n"');
    assert.equal(dbx, 'select timestampadd(day, 1, d) as next_day, string as t from `retail`.`silver`.`n`');
  });

  it('secrets never reach templates', () => {
    const files = {
      'profiles.yml': "p:\n  target: dbx\n  outputs:\n    dbx:\n      type: databricks\n      catalog: c\n      schema: s\n      token: sekret-value\n",
      'models/m.sql': "select '{{ target.token }}' as leaked, '{{ target.catalog }}' as catalog",
    };
    const sql = compileOne(files, 'm').result.sql!;
    assert.doesNotMatch(sql, /sekret/);
    assert.match(sql, /'c' as catalog/);
  });
});

describe('compiled → model line map', () => {
  it('untouched lines match exactly; rendered lines map to the line they replaced', () => {
    const template = "{{ config(materialized='table') }}\n\nselect\n    id,\n    {{ cents('amount') }} as amount\nfrom {{ ref('x') }}\nwhere 1=1";
    const compiled = '\n\nselect\n    id,\n    round(amount / 100, 2) as amount\nfrom "db"."main"."x"\nwhere 1=1';
    assert.deepEqual(mapCompiledLines(template, compiled), [0, 1, 2, 3, 4, 5, 6]);
    const loop = mapCompiledLines('{% for m in [1, 2] %}\nselect {{ m }}\n{% endfor %}\nfrom t', '\nselect 1\n\nselect 2\n\nfrom t');
    assert.equal(loop[loop.length - 1], 3);
    assert.ok(loop.every((l) => l >= 0 && l <= 3));
  });
});

describe('relation naming through a project override, outside any render', () => {
  function relations(macro: string): Map<string, string> {
    const host = new MemoryHost(
      {
        'dbt_project.yml': `${PROJECT}models:\n  p:\n    marts:\n      +schema: marts\n`,
        'macros/naming.sql': macro,
        'models/a.sql': 'select 1 as x',
        'models/b.sql': "{{ config(schema='other') }} select 1 as x",
        'models/marts/c.sql': 'select 1 as x',
        'models/marts/d.sql': 'select 1 as x',
      },
      '/p',
    );
    const analysis = analyzeProject(host, '/p');
    const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: ['/p'] });
    // Twice each: the second round answers from what the first learned.
    const out = new Map<string, string>();
    for (let round = 0; round < 2; round++) for (const name of ['a', 'b', 'c', 'd']) out.set(`${round}${name}`, compiler.relation(analysis.project.nodes.get(`model.p.${name}`)!).render());
    return out;
  }

  const cases: Array<[string, string, Record<string, string>]> = [
    [
      'an override that reads its node names each node for itself (no answer reused from another node)',
      "{% macro generate_schema_name(custom_schema_name, node) -%}{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name }}_{{ node.name }}{%- endif -%}{%- endmacro %}",
      { a: '"medallion"."main"."a"', b: '"medallion"."other_b"."b"', c: '"medallion"."marts_c"."c"', d: '"medallion"."marts_d"."d"' },
    ],
    [
      'an override that reads only its custom name and target gives every node with that custom name the same schema',
      "{% macro generate_schema_name(custom_schema_name, node) -%}{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ default__generate_schema_name(custom_schema_name, node) }}{%- endif -%}{%- endmacro %}",
      { a: '"medallion"."main"."a"', b: '"medallion"."main_other"."b"', c: '"medallion"."main_marts"."c"', d: '"medallion"."main_marts"."d"' },
    ],
  ];
  for (const [title, macro, expected] of cases) {
    it(title, () => {
      const out = relations(macro);
      for (const round of ['0', '1']) for (const [name, relation] of Object.entries(expected)) assert.equal(out.get(`${round}${name}`), relation, `round ${round}, model ${name}`);
    });
  }
});
