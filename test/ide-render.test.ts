/**
 * The editor and the graph by rendering: refs only rendering finds are navigable and renamed
 * where their name is written (and a rename that cannot keep the graph says where), hover
 * renders docs, a model edit re-renders that node alone, a macro edit re-renders the nodes that
 * used it (in slices a newer edit can interrupt), and an untrusted workspace parses without the
 * environment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { definitionOf, definitionsOf, describeNode, hoverAt, referencesTo, renameModel } from '../server/src/core/ide';
import { reparseNodes, updateMacroText, updateModelText } from '../server/src/core/incremental';
import { ScanCache } from '../server/src/core/loader';
import { normalizePath } from '../server/src/core/host';
import { Workspace } from '../server/src/lsp/workspace';
import { tempProject } from './support/temp-project';

const FILES: Record<string, string> = {
  'dbt_project.yml': "name: p\nversion: '1.0'\nconfig-version: 2\n",
  'macros/m.sql': "{% macro from_a() %}{{ ref('a') }}{% endmacro %}\n{% macro cte(name) %}{{ ref(name) }}{% endmacro %}",
  'models/a.sql': 'select 1 as id',
  'models/c.sql': 'select 2 as id',
  'models/b.sql': 'select * from {{ from_a() }}',
  'models/passes.sql': "select * from {{ cte('a') }}",
  'models/loops.sql': "{% for m in ['a', 'c'] %}select * from {{ ref(m) }} {% endfor %}",
  // spellbook's dex_<chain>_sandwiches: a macro builds the SQL from a source() computed in its arguments.
  'macros/sandwiches.sql': '{% macro sandwiches(chain, transactions) %}select * from {{ transactions }}{% endmacro %}',
  'models/sources.yml': 'version: 2\nsources:\n  - name: polygon\n    tables:\n      - name: transactions\n',
  // spellbook's dex macros: the model a macro refs is named from the caller's argument.
  'macros/trades.sql': "{% macro trades(chain) %}select * from {{ ref('dex_' ~ chain ~ '_trades') }}{% endmacro %}",
  'models/dex_ethereum_trades.sql': 'select 1 as id',
  'models/dex_polygon_trades.sql': 'select 1 as id',
  'models/eth_view.sql': "select 1 as x\nunion all {{ trades('ethereum') }}",
  'models/polygon_view.sql': "{% set chain = 'polygon' %}\n{{ trades(chain) }} union all {{ trades('ethereum') }}",
  'models/polygon_sandwiches.sql': "{% set chain = 'polygon' %}\n{{ sandwiches(\n  chain = chain\n  , transactions = source(chain, 'transactions')\n) }}",
};

function load(extra: Record<string, string> = {}) {
  const host = new MemoryHost({ ...FILES, ...extra }, '/p');
  const cache = new ScanCache();
  return { host, cache, analysis: analyzeProject(host, '/p', { cache }) };
}

const at = (text: string, needle: string, delta = 1): number => text.indexOf(needle) + delta;

describe('editor: refs that only rendering finds', () => {
  it('F12 on a model name passed into a macro goes to the model; on the macro call, to the macro', () => {
    const { analysis } = load();
    const passes = FILES['models/passes.sql']!;
    assert.deepEqual(definitionOf(analysis, 'models/passes.sql', at(passes, "'a'")), { file: 'models/a.sql' });
    assert.equal(definitionOf(analysis, 'models/passes.sql', at(passes, 'cte'))?.file, 'macros/m.sql');
    const b = FILES['models/b.sql']!;
    assert.equal(definitionOf(analysis, 'models/b.sql', at(b, 'from_a'))?.file, 'macros/m.sql');
    const loops = FILES['models/loops.sql']!;
    assert.deepEqual(definitionOf(analysis, 'models/loops.sql', at(loops, 'ref(m)')), { file: 'models/a.sql' });
  });

  it("F12 on a macro call offers the macro, then the models its render reached through that call for this caller", () => {
    const { analysis } = load();
    const eth = FILES['models/eth_view.sql']!;
    assert.deepEqual(definitionsOf(analysis, 'models/eth_view.sql', at(eth, 'trades(')), [
      { file: 'macros/trades.sql', span: definitionOf(analysis, 'models/eth_view.sql', at(eth, 'trades('))!.span },
      { file: 'models/dex_ethereum_trades.sql', computed: true },
    ]);
    // Two calls in one model: each offers what it reached, the chain set in the model included.
    const poly = FILES['models/polygon_view.sql']!;
    assert.deepEqual(definitionsOf(analysis, 'models/polygon_view.sql', at(poly, 'trades(chain')).slice(1), [{ file: 'models/dex_polygon_trades.sql', computed: true }]);
    assert.deepEqual(definitionsOf(analysis, 'models/polygon_view.sql', at(poly, "trades('eth")).slice(1), [{ file: 'models/dex_ethereum_trades.sql', computed: true }]);
    // A macro whose ref is written in it: the model it reads, after the macro.
    const b = FILES['models/b.sql']!;
    assert.deepEqual(definitionsOf(analysis, 'models/b.sql', at(b, 'from_a')).map((l) => l.file), ['macros/m.sql', 'models/a.sql']);
    // Not on a macro call: one answer, as definitionOf.
    assert.deepEqual(definitionsOf(analysis, 'models/passes.sql', at(FILES['models/passes.sql']!, "'a'")), [{ file: 'models/a.sql' }]);
  });

  it('F12 on a macro call whose arguments compute a source() goes to the macro, on the source() call to the source', () => {
    const { analysis } = load();
    const text = FILES['models/polygon_sandwiches.sql']!;
    assert.equal(definitionOf(analysis, 'models/polygon_sandwiches.sql', at(text, 'sandwiches('))?.file, 'macros/sandwiches.sql');
    assert.equal(definitionOf(analysis, 'models/polygon_sandwiches.sql', at(text, "source(chain"))?.file, 'models/sources.yml');
  });

  it('F12 and hover on a ref, a source and a macro call written in a macro file', () => {
    const reads = "{% macro reads() %}select * from {{ ref('a') }} join {{ source('polygon', 'transactions') }} using (id) where {{ from_a() }} and {{ ref('nope') }}{% endmacro %}";
    const { analysis } = load({ 'macros/reads.sql': reads });
    const m = FILES['macros/m.sql']!;
    assert.deepEqual(definitionOf(analysis, 'macros/m.sql', at(m, "'a'")), { file: 'models/a.sql' });
    assert.equal(definitionOf(analysis, 'macros/reads.sql', at(reads, "'transactions'"))?.file, 'models/sources.yml');
    assert.equal(definitionOf(analysis, 'macros/reads.sql', at(reads, 'from_a'))?.file, 'macros/m.sql');
    assert.match(hoverAt(analysis, 'macros/reads.sql', at(reads, "'a'"))?.markdown ?? '', /\*\*model\*\* `a`/);
    // A name no model has says nothing in a macro (it resolves where the macro runs).
    assert.equal(definitionOf(analysis, 'macros/reads.sql', at(reads, "'nope'")), undefined);
    assert.equal(hoverAt(analysis, 'macros/reads.sql', at(reads, "'nope'")), undefined);
  });

  it('Find References lists every model that reads it, however the ref was made, and the literal ref() in a macro a model used', () => {
    const { analysis } = load();
    const refs = referencesTo(analysis, analysis.project.nodes.get('model.p.a')!, false);
    assert.deepEqual(refs.map((l) => l.file).sort(), ['macros/m.sql', 'models/b.sql', 'models/loops.sql', 'models/passes.sql']);
    const m = FILES['macros/m.sql']!;
    const inMacro = refs.filter((l) => l.file === 'macros/m.sql');
    assert.deepEqual(inMacro, [{ file: 'macros/m.sql', span: { start: m.indexOf("'a'") + 1, end: m.indexOf("'a'") + 2 } }]);
  });

  it('rename edits the written names, including the list a loop walks', () => {
    const { analysis } = load({ 'models/b.sql': 'select 1 as id' });
    const result = renameModel(analysis, analysis.project.nodes.get('model.p.a')!, 'a2');
    assert.equal(result.problem, undefined);
    const files = result.edits.map((e) => e.file).sort();
    // (from_a's ref('a') in macros/m.sql too: no model calls it here, it would break all the same.)
    assert.deepEqual(files, ['macros/m.sql', 'models/loops.sql', 'models/passes.sql']);
  });

  it('rename edits the literal ref() in the macro a model reached it through, and nothing in the model', () => {
    const { analysis } = load();
    const result = renameModel(analysis, analysis.project.nodes.get('model.p.a')!, 'a2');
    assert.equal(result.problem, undefined);
    const m = FILES['macros/m.sql']!;
    const inMacro = result.edits.filter((e) => e.file === 'macros/m.sql');
    assert.deepEqual(inMacro, [{ file: 'macros/m.sql', span: { start: m.indexOf("'a'") + 1, end: m.indexOf("'a'") + 2 }, newText: 'a2' }]);
    assert.deepEqual([...new Set(result.edits.map((e) => e.file))].sort(), ['macros/m.sql', 'models/loops.sql', 'models/passes.sql']);
    assert.deepEqual(result.fileRename, { from: 'models/a.sql', to: 'models/a2.sql' });
  });

  it('rename finds the literal in a macro of the same file that the used macro calls (such calls are not recorded)', () => {
    // unused_a names the model too, though no render reached it: references name only what renders
    // reached, a rename edits every literal ref() in the project's macros (else it would break it).
    const pair = "{% macro outer_a() %}{{ inner_a() }}{% endmacro %}\n{% macro inner_a() %}select * from {{ ref(\"a\") }}{% endmacro %}\n{% macro unused_a() %}{{ ref('a') }}{% endmacro %}";
    const { analysis } = load({ 'macros/pair.sql': pair, 'models/b.sql': 'select 1 as id', 'models/d.sql': '{{ outer_a() }}' });
    const a = analysis.project.nodes.get('model.p.a')!;
    assert.deepEqual(referencesTo(analysis, a, false).filter((l) => l.file === 'macros/pair.sql').map((l) => pair.slice(l.span!.start - 1, l.span!.end + 1)), ['"a"']);
    const result = renameModel(analysis, a, 'a2');
    assert.equal(result.problem, undefined);
    assert.deepEqual(result.edits.filter((e) => e.file === 'macros/pair.sql').map((e) => pair.slice(e.span.start - 1, e.span.end + 1)), ['"a"', "'a'"]);
    assert.ok(!result.edits.some((e) => e.file === 'models/d.sql'));
  });

  describe('rename and literal refs in macro files no render reached', () => {
    const PKG = {
      'dbt_packages/pkg/dbt_project.yml': "name: pkg\nversion: '1.0'\nconfig-version: 2\n",
      'dbt_packages/pkg/models/a.sql': 'select 3 as id',
      'dbt_packages/pkg/models/pkg_b.sql': 'select 4 as id',
    };
    /** `quoted` of each edit in `file`: the quoted name edited, with its quotes. */
    const cases: Array<{ name: string; files: Record<string, string>; edited?: Record<string, string[]>; refused?: string[] }> = [
      { name: 'a project macro no model calls: its literal ref is edited', files: { 'macros/unused.sql': "{% macro unused() %}select * from {{ ref('a') }}{% endmacro %}" }, edited: { 'macros/unused.sql': ["'a'"] } },
      { name: 'a branch no render took, in a macro a model calls', files: { 'macros/branch.sql': "{% macro branch(x) %}{% if x %}{{ ref(\"a\") }}{% else %}{{ ref('c') }}{% endif %}{% endmacro %}", 'models/d.sql': 'select * from {{ branch(false) }}' }, edited: { 'macros/branch.sql': ['"a"'] } },
      { name: 'a generic test block of the project', files: { 'tests/generic/joins_a.sql': "{% test joins_a(model) %}select * from {{ model }} join {{ ref('a') }} using (id){% endtest %}" }, edited: { 'tests/generic/joins_a.sql': ["'a'"] } },
      { name: 'a ref to another node of the same name in a package is left alone', files: { ...PKG, 'macros/other.sql': "{% macro other() %}{{ ref('pkg', 'a') }} {{ ref('a') }}{% endmacro %}" }, edited: { 'macros/other.sql': ["'a'"] } },
      { name: 'a package macro file with a literal ref to it: refused, naming that file', files: { ...PKG, 'dbt_packages/pkg/macros/uses_a.sql': "{% macro uses_a() %}{{ ref('a') }}{% endmacro %}", 'macros/unused.sql': "{% macro unused() %}{{ ref('a') }}{% endmacro %}" }, refused: ['dbt_packages/pkg/macros/uses_a.sql'] },
      { name: "a package macro's qualified ref to its own a does not refuse", files: { ...PKG, 'dbt_packages/pkg/macros/own_a.sql': "{% macro own_a() %}{{ ref('pkg', 'a') }}{% endmacro %}" }, edited: {} },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const { analysis } = load({ 'models/b.sql': 'select 1 as id', ...c.files });
        const result = renameModel(analysis, analysis.project.nodes.get('model.p.a')!, 'a2');
        if (c.refused) {
          assert.deepEqual(result.edits, []);
          assert.deepEqual(result.cannotUpdate, c.refused);
          for (const f of c.refused) assert.ok(result.problem!.includes(f), result.problem);
          assert.match(result.problem!, /not the project's to edit/);
          return;
        }
        assert.equal(result.problem, undefined);
        for (const [file, quoted] of Object.entries(c.edited ?? {})) {
          const text = c.files[file]!;
          assert.deepEqual(result.edits.filter((e) => e.file === file).map((e) => text.slice(e.span.start - 1, e.span.end + 1)), quoted, file);
        }
        // Nothing in a package, and no file edited that the case does not name (besides the models already tested above).
        assert.ok(!result.edits.some((e) => e.file.startsWith('dbt_packages/')));
        for (const e of result.edits) assert.ok(e.file.startsWith('models/') || e.file === 'macros/m.sql' || e.file in (c.edited ?? {}), e.file);
      });
    }
  });

  it('rename follows adapter.dispatch to the implementation that holds the literal ref()', () => {
    // The render records the ref at the dispatching call; the literal is in default__from_a_dispatched.
    const dispatched = "{% macro from_a_dispatched() %}{{ return(adapter.dispatch('from_a_dispatched', 'p')()) }}{% endmacro %}\n{% macro default__from_a_dispatched() %}select * from {{ ref('a') }}{% endmacro %}";
    for (const model of ['{{ from_a_dispatched() }}', "{{ adapter.dispatch('from_a_dispatched')() }}"]) {
      const { analysis } = load({ 'macros/dispatched.sql': dispatched, 'models/b.sql': 'select 1 as id', 'models/d.sql': model });
      const a = analysis.project.nodes.get('model.p.a')!;
      assert.deepEqual(analysis.graph.parents.get('model.p.d'), ['model.p.a'], model);
      assert.ok(referencesTo(analysis, a, false).some((l) => l.file === 'macros/dispatched.sql'), model);
      const result = renameModel(analysis, a, 'a2');
      assert.equal(result.problem, undefined, model);
      assert.deepEqual(result.edits.filter((e) => e.file === 'macros/dispatched.sql').map((e) => dispatched.slice(e.span.start - 1, e.span.end + 1)), ["'a'"], model);
      assert.ok(!result.edits.some((e) => e.file === 'models/d.sql'), model);
    }
  });

  it('rename refuses, naming the files, where the name is computed with nothing written to update', () => {
    // The macro holds the name, but not as a ref() call: nothing there is known to be this ref.
    const computed = "{% macro from_computed() %}{% set n = 'a' %}{{ ref(n) }}{% endmacro %}";
    const { analysis } = load({ 'macros/computed.sql': computed, 'models/b.sql': 'select * from {{ from_computed() }}' });
    const result = renameModel(analysis, analysis.project.nodes.get('model.p.a')!, 'a2');
    assert.deepEqual(result.cannotUpdate, ['models/b.sql']);
    assert.match(result.problem!, /models\/b\.sql/);
    assert.deepEqual(result.edits, []);
    // A literal ref('a') in another macro the model calls does not make up for the computed one.
    const mixed = load({ 'macros/computed.sql': computed, 'models/b.sql': 'select * from {{ from_a() }} union all select * from {{ from_computed() }}' }).analysis;
    const both = renameModel(mixed, mixed.project.nodes.get('model.p.a')!, 'a2');
    assert.deepEqual(both.cannotUpdate, ['models/b.sql']);
  });

  it('hover renders doc() blocks in descriptions', () => {
    const { analysis } = load({
      'models/docs.md': '{% docs a_doc %}\nThe **a** table.\n{% enddocs %}',
      'models/schema.yml': "version: 2\nmodels:\n  - name: a\n    description: \"{{ doc('a_doc') }}\"\n    columns:\n      - name: id\n        description: \"id of {{ doc('a_doc') }}\"\n",
    });
    const hover = describeNode(analysis, analysis.project.nodes.get('model.p.a')!);
    assert.match(hover, /\nThe \*\*a\*\* table\.\n/);
    assert.match(hover, /\| id \|  \| id of The \*\*a\*\* table\. \|/);
  });
});

describe('incremental: edits re-render only what they touch', () => {
  it('a model edit re-renders that node alone', () => {
    const { analysis, cache } = load();
    const before = analysis.project.nodes.get('model.p.passes')!;
    const changed = new Set<string>();
    assert.ok(updateModelText(analysis, 'models/passes.sql', "select * from {{ cte('c') }}", cache, changed));
    assert.equal(analysis.project.nodes.get('model.p.passes'), before);
    assert.deepEqual(before.dependsOn, ['model.p.c']);
    assert.deepEqual([...changed], ['models/passes.sql']);
  });

  it('a model edit that makes the render fail underlines the failing call', () => {
    const { analysis, cache } = load();
    const text = "select 1\n{{ exceptions.raise_compiler_error('not yet') }}";
    assert.ok(updateModelText(analysis, 'models/c.sql', text, cache));
    const d = analysis.diagnostics.find((x) => x.file === 'models/c.sql')!;
    assert.equal(d.code, 'jinja-render');
    assert.equal(text.slice(d.span!.start, d.span!.end), "exceptions.raise_compiler_error('not yet')");
    assert.match(d.message, /not yet/);
  });

  it('a config() change is not applied in place (enabled, naming may follow): the caller reloads', () => {
    const { analysis, cache } = load();
    assert.equal(updateModelText(analysis, 'models/c.sql', "{{ config(enabled=false) }}\nselect 2 as id", cache), false);
  });

  it('a macro edit redefines the macro and re-renders exactly the nodes that used it', () => {
    const { analysis, cache } = load();
    // from_a changes; cte is the same text, so the model using only cte is not re-rendered.
    const text = "{% macro from_a() %}{{ ref('c') }}{% endmacro %}\n{% macro cte(name) %}{{ ref(name) }}{% endmacro %}";
    const changed = new Set<string>();
    const affected = updateMacroText(analysis, 'macros/m.sql', text, cache, changed);
    assert.deepEqual(affected?.sort(), ['model.p.b']);
    const left = reparseNodes(analysis, affected!, cache, () => false, changed);
    assert.deepEqual(left, []);
    assert.deepEqual(analysis.project.nodes.get('model.p.b')!.dependsOn, ['model.p.c']);
    assert.deepEqual([...changed].sort(), ['macros/m.sql', 'models/b.sql']);
  });

  it('a macro edit re-renders the users of a macro in the same file that calls it (such calls are not recorded)', () => {
    const inner = (body: string): string => `{% macro inner() %}${body}{% endmacro %}\n{% macro outer() %}{{ inner() }}{% endmacro %}\n{% macro other() %}1{% endmacro %}`;
    const { analysis, cache } = load({ 'macros/pair.sql': inner('1'), 'models/d.sql': 'select {{ outer() }} as x', 'models/e.sql': 'select {{ other() }} as x' });
    const affected = updateMacroText(analysis, 'macros/pair.sql', inner("{{ ref('a') }}"), cache)!;
    assert.deepEqual(affected, ['model.p.d']);
    assert.deepEqual(reparseNodes(analysis, affected, cache, () => false), []);
    assert.deepEqual(analysis.project.nodes.get('model.p.d')!.dependsOn, ['model.p.a']);
    const fresh = analyzeProject(new MemoryHost({ ...FILES, 'macros/pair.sql': inner("{{ ref('a') }}"), 'models/d.sql': 'select {{ outer() }} as x', 'models/e.sql': 'select {{ other() }} as x' }, '/p'), '/p');
    assert.deepEqual(fresh.project.nodes.get('model.p.d')!.dependsOn, ['model.p.a']);
  });

  it('a macro edit that leaves every macro text as it was re-renders nothing', () => {
    const { analysis, cache } = load();
    assert.deepEqual(updateMacroText(analysis, 'macros/m.sql', FILES['macros/m.sql']! + '\n-- a comment outside the macros', cache), []);
  });

  it('re-rendering stops when asked (a newer edit) and returns what is left', () => {
    const { analysis, cache } = load();
    const both = "{% macro from_a() %}{{ ref('c') }}{% endmacro %}\n{% macro cte(name) %}{{ ref(name) }} {% endmacro %}";
    const affected = updateMacroText(analysis, 'macros/m.sql', both, cache)!;
    assert.equal(affected.length, 2);
    let asked = 0;
    const left = reparseNodes(analysis, affected, cache, () => ++asked > 0);
    assert.equal(left?.length, affected.length - 1);
  });

  it('a macro edit that adds or renames a macro is not applied in place', () => {
    const { analysis, cache } = load();
    assert.equal(updateMacroText(analysis, 'macros/m.sql', '{% macro from_b() %}{% endmacro %}', cache), undefined);
  });
});

describe('language server: macro edits and trust', () => {
  it('a macro edit refreshes the nodes that used it in slices; a newer edit restarts the list', () => {
    const folder = normalizePath(tempProject({ ...FILES, 'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n' }));
    const workspace = new Workspace({});
    workspace.addFolder(folder);
    const project = workspace.projectFor(`${folder}/models/b.sql`)!;
    const analysis = project.get();
    const path = `${folder}/macros/m.sql`;
    const edit = (to: string): void => {
      const text = `{% macro from_a() %}{{ ref('${to}') }}{% endmacro %}\n{% macro cte(name) %}{{ ref(name) }}{% endmacro %}`;
      workspace.host.overlays.set(path, text);
      workspace.documentEdited(path, text);
    };
    edit('c');
    assert.ok(project.rendering);
    edit('a');
    while (project.renderPending(0));
    assert.equal(project.get(), analysis, 'applied in place, not reloaded');
    assert.deepEqual(analysis.project.nodes.get('model.p.b')!.dependsOn, ['model.p.a']);
  });

  it('an untrusted workspace parses without the environment: env_var answers its default', () => {
    const folder = normalizePath(tempProject({ 'dbt_project.yml': 'name: p\n', 'models/a.sql': "{{ config(enabled = env_var('ON', 'no') == 'yes') }}\nselect 1 as id" }));
    const trusted = new Workspace({ ON: 'yes' });
    trusted.addFolder(folder);
    assert.ok(trusted.projectFor(`${folder}/models/a.sql`)!.get().project.nodes.has('model.p.a'));
    const untrusted = new Workspace({ ON: 'yes' });
    untrusted.settings.trusted = false;
    untrusted.addFolder(folder);
    assert.ok(untrusted.projectFor(`${folder}/models/a.sql`)!.get().project.disabled.has('a'));
  });
});
