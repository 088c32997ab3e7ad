/**
 * Macro files are parsed when a context is made (their syntax problems are reported then) but a
 * file of only macro blocks is rendered on the first call of one of its macros: a parse-time render
 * calls few of a project's macros. What a called macro does, records and overrides is what an
 * eagerly defined one did: the same names, the same namespaces, the same tracking.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { fixedClock } from '../server/src/core/clock';
import { MemoryHost } from '../server/src/core/host';
import { parseTimeOf } from '../server/src/core/loader';
import { createCompiler } from '../server/src/core/session';

const PROJECT = "name: p\nversion: '1.0'\nconfig-version: 2\nprofile: p\n";
const PACKAGE = "name: pkg\nversion: '1.0'\nconfig-version: 2\n";

const FILES: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'dbt_packages/pkg/dbt_project.yml': PACKAGE,
  // Called by a model: rendered at parse time.
  'macros/used.sql': "{% macro used(x='d') %}used({{ x }}){{ helper() }}{% endmacro %}\n{% macro helper() %}+h{% endmacro %}",
  // Never called: parsed, not rendered.
  'macros/unused.sql': '{% macro unused() %}u{% endmacro %}\n-- text between blocks\n{% macro unused_too() %}{{ used() }}{% endmacro %}',
  // Top-level code besides macro blocks: rendered when the context is made, as before.
  'macros/top_level.sql': "{% set suffix = '_s' %}\n{% macro with_top(a) %}{{ a }}{{ suffix }}{% endmacro %}",
  // Reached only through dispatch.
  'macros/dispatched.sql': "{% macro greet(n) %}{{ return(adapter.dispatch('greet')(n)) }}{% endmacro %}\n{% macro default__greet(n) %}hello {{ n }}{% endmacro %}",
  // The same name in two files of the root project: the first definition wins.
  'macros/a_first.sql': '{% macro twice() %}first{% endmacro %}',
  'macros/b_second.sql': '{% macro twice() %}second{% endmacro %}',
  // A root macro overrides the package's of the same name for the root's nodes; the package's stays under its namespace.
  'macros/override.sql': '{% macro shared() %}root{% endmacro %}',
  'dbt_packages/pkg/macros/shared.sql': '{% macro shared() %}pkg{% endmacro %}\n{% macro pkg_only() %}{{ shared() }}{% endmacro %}',
  'dbt_packages/pkg/macros/idle.sql': '{% macro idle() %}i{% endmacro %}',
  'models/m.sql': "select '{{ used() }}' as a, '{{ used('y') }}' as b, '{{ with_top('t') }}' as c, '{{ greet('w') }}' as d, '{{ twice() }}' as e, '{{ shared() }}' as f, '{{ pkg.shared() }}' as g, '{{ pkg.pkg_only() }}' as h",
  // A syntax error the scan does not see (an unknown tag): reported at load, though nothing calls the file.
  'macros/broken.sql': '{% macro broken() %}{% frobnicate %}{% endmacro %}',
};

function load(files: Record<string, string> = FILES) {
  const host = new MemoryHost(files, '/p');
  return { host, analysis: analyzeProject(host, '/p') };
}

describe('macros defined lazily', () => {
  it('renders at load only the macro files a render called, and those with top-level code', () => {
    const { analysis } = load();
    const rendered = [...parseTimeOf(analysis.project)!.ctx.renderedMacroFiles].sort();
    assert.deepEqual(rendered, [
      'dbt_packages/pkg/macros/shared.sql',
      'macros/a_first.sql',
      'macros/dispatched.sql',
      'macros/override.sql',
      'macros/top_level.sql',
      'macros/used.sql',
    ]);
  });

  it('a called macro records, resolves and renders as an eagerly defined one did', () => {
    const { analysis } = load();
    const node = analysis.project.nodes.get('model.p.m')!;
    assert.deepEqual([...node.parsed!.macros].sort(), ['macro.p.greet', 'macro.p.shared', 'macro.p.twice', 'macro.p.used', 'macro.p.with_top', 'macro.pkg.pkg_only', 'macro.pkg.shared'].sort());
    // `uses`: every macro the render reached, however deep (what a macro edit re-renders); `helper` is called inside `used`'s own file.
    assert.deepEqual([...node.parsed!.uses].sort(), ['macro.p.default__greet', 'macro.p.greet', 'macro.p.shared', 'macro.p.twice', 'macro.p.used', 'macro.p.with_top', 'macro.pkg.pkg_only', 'macro.pkg.shared'].sort());
  });

  it('compiles the same SQL, and a compiler renders only what it calls', () => {
    const { host, analysis } = load();
    const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: ['/p'], clock: fixedClock(new Date('2024-01-01T00:00:00Z')) });
    const result = compiler.compile('model.p.m');
    assert.deepEqual(result.diagnostics, []);
    // The package's `pkg_only` calls `shared()` of its own file: a name the file defines resolves in the file (its render's scope).
    assert.equal(result.sql, "select 'used(d)+h' as a, 'used(y)+h' as b, 't_s' as c, 'hello w' as d, 'first' as e, 'root' as f, 'pkg' as g, 'pkg' as h");
    assert.ok(!compiler.ctx.renderedMacroFiles.has('macros/unused.sql'));
    assert.ok(!compiler.ctx.renderedMacroFiles.has('dbt_packages/pkg/macros/idle.sql'));
    assert.ok(!compiler.ctx.renderedMacroFiles.has('macros/b_second.sql'), 'a name defined first elsewhere never calls the second file');
    // Calling a waiting macro renders its file then: its macros are the file's own (a same-file call resolves in the file).
    assert.equal(compiler.ctx.call(compiler.ctx.lookup('p', 'unused_too') as (...a: unknown[]) => unknown, []), 'used(d)+h');
    assert.ok(compiler.ctx.renderedMacroFiles.has('macros/unused.sql'));
    assert.equal(compiler.ctx.call(compiler.ctx.packageMacro('pkg', 'idle')!, []), 'i');
  });

  it("a macro file's syntax problems are reported though nothing calls it", () => {
    const { analysis } = load();
    const syntax = analysis.diagnostics.filter((d) => d.code === 'jinja-syntax').map((d) => d.file);
    assert.deepEqual(syntax, ['macros/broken.sql']);
  });
});
