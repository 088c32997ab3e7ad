/**
 * Analysis versions (issue 11, item 4): a version a run holds never changes, and an edit while it
 * is held makes a new version that shares everything unchanged with it instead of a copy or a
 * reload. Checked on the language server's own `ProjectState`: what is shared, that a run sees
 * its version's text for every node while edits to later nodes and macros arrive, and a seeded
 * fuzz of edits, pins and releases where every held version keeps its observable state and the
 * current one equals a fresh load of the same texts.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject, type Analysis } from '../server/src/core/analysis';
import { createCompiler, defaultProfilesDirs } from '../server/src/core/session';
import { sqlCallsOf } from '../server/src/core/loader';
import { NodeFileHost } from '../server/src/node/fs-host';
import { OverlayHost, ProjectState } from '../server/src/lsp/workspace';
import { runProject } from '../server/src/runner/project-run';
import { tempProject } from './support/temp-project';

const MACROS = `{% macro audit() -%}
current_timestamp as _loaded_at
{%- endmacro %}

{% macro union_of(names) -%}
{%- for n in names %}
select id from {{ ref(n) }}{% if not loop.last %} union all{% endif %}
{%- endfor %}
{%- endmacro %}

{% macro cents(c) -%}
round({{ c }} / 100.0, 2)
{%- endmacro %}
`;

/** A small layered project whose graph needs rendering: refs through a macro, refs in a loop, literal refs, a macro most models call. */
function projectFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'dbt_project.yml': "name: p\nprofile: p\nconfig-version: 2\nmodels:\n  p:\n    +materialized: view\n",
    'macros/helpers.sql': MACROS,
  };
  for (let i = 0; i < 6; i++) files[`models/bronze/b${i}.sql`] = `select ${i} as id, {{ audit() }}, {{ cents('${i}00') }} as amount\n`;
  for (let i = 0; i < 6; i++) {
    files[`models/silver/s${i}.sql`] = i % 3 === 0 ? `select id from {{ ref('b${i}') }}\n` : `select id, {{ audit() }} from {{ ref('b${i}') }}\n`;
  }
  files['models/gold/g0.sql'] = "{{ union_of(['s0', 's1']) }}\n";
  files['models/gold/g1.sql'] = "{{ union_of(['s2', 's3', 's4']) }}\n";
  files['models/gold/g2.sql'] = "select id from {{ ref('s5') }}\n{% for m in ['s0', 's2'] %}\n-- also reads {{ ref(m) }}\n{% endfor %}\n";
  files['models/gold/g3.sql'] = "select g.id, {{ audit() }} from {{ ref('g0') }} as g join {{ ref('g1') }} using (id)\n";
  files['models/schema.yml'] = 'version: 2\nmodels:\n  - name: s0\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n  - name: g3\n    columns:\n      - name: id\n        data_tests: [not_null]\n';
  return files;
}

/** Everything a reader of a version can observe: nodes (refs, parents, parse record, config), files, macros, graph, diagnostics, in their order. */
function observable(a: Analysis): string {
  const { project, graph } = a;
  return JSON.stringify({
    nodes: [...project.nodes.values()].map((n) => [n.uniqueId, n.file, n.refs, n.sources, n.dependsOn, n.parsed, sqlCallsOf(project, n), n.dynamic, n.config, n.layer]),
    files: [...project.files.values()].map((f) => [f.path, f.text, f.blocks, f.nodeIds]),
    macros: [...project.macros].map(([name, defs]) => [name, defs.map((d) => [d.file, d.packageName, d.block])]),
    children: [...graph.children],
    parents: [...project.nodes.keys()].map((id) => graph.parents.get(id)),
    refTargets: [...graph.refTargets].map(([name, n]) => [name, n.uniqueId, n.dependsOn, n.refs]),
    refLookup: [...graph.refLookup].map(([name, byPackage]) => [name, [...byPackage].map(([p, n]) => [p, n.uniqueId, n.dependsOn])]),
    cycles: graph.cycles,
    cyclic: [...graph.cyclic.keys()],
    diagnostics: a.diagnostics,
  });
}

/** What must equal a fresh load: every node's parents and parse record, file texts, and the problems (order aside). */
function fingerprint(a: Analysis): string {
  const nodes = [...a.project.nodes.values()].map((n) => `${n.uniqueId} <- ${[...n.dependsOn].sort().join(',')} refs ${n.refs.map((r) => `${r.name}@${r.span.start}`).join(',')} uses ${[...(n.parsed?.uses ?? [])].sort().join(',')}`).sort();
  const files = [...a.project.files.values()].map((f) => `${f.path}: ${f.text}`).sort();
  const diags = a.diagnostics.map((d) => `${d.file}:${d.span?.start ?? ''}-${d.span?.end ?? ''} ${d.code} ${d.message}`).sort();
  return [...nodes, '--', ...files, '--', ...diags].join('\n');
}

/** Compiled SQL of every model of a version, by a compiler made for it (as a run makes one). */
function compiledModels(host: OverlayHost | NodeFileHost, root: string, a: Analysis): Map<string, string> {
  const { compiler } = createCompiler(host, a, { env: {}, profilesDirs: defaultProfilesDirs(root, {}) });
  const out = new Map<string, string>();
  for (const node of a.project.nodes.values()) if (node.resourceType === 'model') out.set(node.uniqueId, compiler.compile(node.uniqueId).sql ?? '<no sql>');
  return out;
}

/** A fresh load of the same texts, as the language server loads (no environment). */
function fresh(host: OverlayHost | NodeFileHost, root: string): Analysis {
  return analyzeProject(host, root, { env: {}, profilesDirs: defaultProfilesDirs(root, {}) });
}

const BROKEN_AUDIT = MACROS.replace('current_timestamp as _loaded_at', "current_timestamp as _loaded_at, (select 1 from {{ ref('nope') }}) as _check");

function editor(root: string): { host: OverlayHost; project: ProjectState; edit: (file: string, text: string) => void; text: (file: string) => string } {
  const host = new OverlayHost();
  const project = new ProjectState(root, host, {});
  return {
    host,
    project,
    // As the workspace does: the buffer overlays the disk, then the project takes the edit.
    edit: (file, text) => {
      host.overlays.set(join(root, file), text);
      project.edit(join(root, file), text);
    },
    text: (file) => {
      const r = host.read(join(root, file));
      return r.kind === 'text' ? r.text : '';
    },
  };
}

describe('analysis versions: structural sharing, held versions never change', () => {
  it('an edit while a run holds the version shares every unchanged node, file, macro and index with it', () => {
    const root = tempProject(projectFiles());
    try {
      const { host, project, edit } = editor(root);
      const held = project.pin();
      const old = held.analysis;
      const before = observable(old);
      edit('models/silver/s1.sql', "select id from {{ ref('b2') }}\n");
      const current = project.get();
      assert.notEqual(current, old, 'a new version');
      assert.equal(observable(old), before, 'the held version is unchanged');
      // Shared, not copied: nodes, files and macro definitions the edit did not touch are the same objects.
      for (const [id, node] of old.project.nodes) if (id !== 'model.p.s1') assert.equal(current.project.nodes.get(id), node, `${id} is shared`);
      for (const [path, entry] of old.project.files) if (path !== 'models/silver/s1.sql') assert.equal(current.project.files.get(path), entry, `${path} is shared`);
      assert.equal(current.project.macros, old.project.macros, 'the macros are shared');
      assert.equal(current.project.config, old.project.config);
      assert.equal(current.graph.refLookup.get('b0'), old.graph.refLookup.get('b0'), 'name lookups of other nodes are shared');
      // The edited node is new in the new version, and everything that finds it finds the new one.
      const s1 = current.project.nodes.get('model.p.s1')!;
      assert.notEqual(s1, old.project.nodes.get('model.p.s1'));
      assert.deepEqual(s1.dependsOn, ['model.p.b2']);
      assert.equal(current.graph.refTargets.get('s1'), s1);
      assert.equal(current.graph.resolveRef('s1'), s1);
      assert.deepEqual(current.graph.parents.get('model.p.s1'), ['model.p.b2']);
      assert.ok(current.graph.children.get('model.p.b2')!.includes('model.p.s1'));
      assert.ok(!current.graph.children.get('model.p.b1')!.includes('model.p.s1'));
      assert.deepEqual(old.graph.parents.get('model.p.s1'), ['model.p.b1']);
      assert.ok(old.graph.children.get('model.p.b1')!.includes('model.p.s1'));
      assert.equal(fingerprint(current), fingerprint(fresh(host, root)));
      // A second edit changes the new version in place (it made s1): no third version.
      edit('models/silver/s1.sql', "select id from {{ ref('b3') }}\n");
      assert.equal(project.get(), current);
      assert.equal(current.project.nodes.get('model.p.s1'), s1);
      assert.equal(observable(old), before);
      held.release();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a macro edit while a version is held: the new version re-renders its users, the held one keeps the old macro', () => {
    const root = tempProject(projectFiles());
    try {
      const { host, project, edit } = editor(root);
      const held = project.pin();
      const old = held.analysis;
      const before = observable(old);
      const compiledBefore = compiledModels(host, root, old);
      edit('macros/helpers.sql', BROKEN_AUDIT);
      assert.ok(project.rendering, 'the users of audit() wait to be re-rendered');
      while (project.renderPending(1));
      const current = project.get();
      assert.notEqual(current, old);
      assert.equal(observable(old), before, 'the held version is unchanged');
      assert.deepEqual(compiledModels(host, root, old), compiledBefore, 'and compiles as it did');
      assert.equal(fingerprint(current), fingerprint(fresh(host, root)));
      assert.ok(current.diagnostics.filter((d) => d.message.includes("'nope'")).length >= 8, 'every user of audit() has the new problem');
      assert.equal(old.diagnostics.filter((d) => d.message.includes("'nope'")).length, 0);
      // The nodes whose render did not use the edited macro are still shared.
      assert.equal(current.project.nodes.get('model.p.s0'), old.project.nodes.get('model.p.s0'));
      held.release();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('pin() finishes the re-render a macro edit started: a run starts from a complete version', () => {
    const root = tempProject(projectFiles());
    try {
      const { host, project, edit } = editor(root);
      project.get();
      edit('macros/helpers.sql', BROKEN_AUDIT);
      assert.ok(project.rendering);
      const held = project.pin();
      assert.equal(project.rendering, false);
      assert.equal(fingerprint(held.analysis), fingerprint(fresh(host, root)));
      held.release();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a run pinned to a version builds that version of every node while edits to the nodes it has not reached and to their macro arrive', async () => {
    const root = tempProject(projectFiles());
    try {
      const { host, project, edit, text } = editor(root);
      const expected = compiledModels(new NodeFileHost(), root, fresh(new NodeFileHost(), root));
      const held = project.pin();
      const started = new Set<string>();
      let edits = 0;
      const summary = await runProject(host, held.analysis, {
        command: 'run',
        threads: 0,
        threadsOverride: 1,
        env: {},
        profilesDirs: defaultProfilesDirs(root, {}),
        onEvent: (e) => {
          if (e.kind !== 'start') return;
          started.add(e.node.file);
          // Every model not started yet is edited (new SQL, new refs), and the macro they call.
          for (const node of held.analysis.project.nodes.values()) {
            if (node.resourceType !== 'model' || started.has(node.file)) continue;
            edit(node.file, `${text(node.file).replace(/select /, 'select 1000 + ')}-- edited while ${e.node.name} ran\n`);
            edits++;
          }
          edit('macros/helpers.sql', text('macros/helpers.sql').replace(/current_timestamp as _loaded_at/, `current_timestamp as _loaded_at, ${edits} as _edits`));
          while (project.renderPending(5));
        },
      });
      held.release();
      assert.equal(summary.fatal, undefined);
      const models = summary.results.filter((r) => r.resourceType === 'model');
      assert.equal(models.length, 16);
      assert.deepEqual(models.filter((r) => r.status !== 'success').map((r) => `${r.name}: ${r.message}`), []);
      for (const r of models) assert.equal(r.compiledSql, expected.get(r.uniqueId), `${r.name} was built from the text the run started with`);
      // Not vacuous: the edits reached the current version.
      assert.ok(edits > 50, `${edits} edits`);
      const now = compiledModels(host, root, project.get());
      assert.match(now.get('model.p.g3')!, /1000 \+/);
      assert.match(now.get('model.p.g3')!, /as _edits/);
      assert.equal(fingerprint(project.get()), fingerprint(fresh(host, root)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('seeded fuzz: random model and macro edits, pins and releases; every held version keeps its observable state and compiled SQL, the current one equals a fresh load', () => {
    const files = projectFiles();
    const root = tempProject(files);
    try {
      const { host, project, edit, text } = editor(root);
      let seed = 20261206;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        // The high bits: an LCG's low bits repeat with short periods.
        return Math.floor((seed / 0x80000000) * n);
      };
      const pick = <T>(xs: T[]): T => xs[rand(xs.length)]!;
      const models = Object.keys(files).filter((f) => f.startsWith('models/') && f.endsWith('.sql'));
      const names = ['b0', 'b1', 'b3', 's0', 's2', 's4', 'g0', 'g1', 'g3', 'nope'];
      const held: Array<{ analysis: Analysis; release: () => void; state: string; compiled: Map<string, string> }> = [];
      let versions = 0;
      let shared = 0;
      let pins = 0;
      let macroEdits = 0;
      let last = project.get();
      for (let step = 0; step < 400; step++) {
        const action = rand(10);
        if (action === 0 && held.length < 3) {
          const pinned = project.pin();
          held.push({ ...pinned, state: observable(pinned.analysis), compiled: compiledModels(host, root, pinned.analysis) });
          pins++;
        } else if (action === 1 && held.length > 0) {
          const [gone] = held.splice(rand(held.length), 1);
          // Compiles as it did when pinned, whatever happened since.
          assert.deepEqual(compiledModels(host, root, gone!.analysis), gone!.compiled, `step ${step}: a held version compiles as when it was pinned`);
          gone!.release();
        } else if (action <= 3) {
          let macros = text('macros/helpers.sql');
          switch (rand(4)) {
            case 0:
              macros = macros.replace(/_loaded_at[^\n]*\n/, `_loaded_at, (select 1 from {{ ref('${pick(names)}') }}) as _check\n`);
              break;
            case 1:
              macros = macros.replace(/round\(\{\{ c \}\} \/ [0-9.]+/, `round({{ c }} / ${1 + rand(1000)}.0`);
              break;
            case 2:
              macros = macros.replace('select id from', pick(['select id, 1 as one from', 'select id from', 'select * from {{ ref("b0") }} union all select id from']));
              break;
            default:
              macros = MACROS;
          }
          edit('macros/helpers.sql', macros);
          macroEdits++;
        } else {
          const file = pick(models);
          let sql = text(file);
          switch (rand(6)) {
            case 0:
              sql += `\n-- depends_on: {{ ref('${pick(names)}') }}`;
              break;
            case 1:
              sql = sql.replace(/ref\('([a-z0-9_]+)'\)/, () => `ref('${pick(names)}')`);
              break;
            case 2:
              sql = sql.replace(/\n-- depends_on: \{\{ ref\('[a-z0-9_]+'\) \}\}/, '');
              break;
            case 3:
              sql = sql.slice(0, rand(sql.length + 1)) + pick(['{{', "'", '{%', '}}', ')']) + sql.slice(rand(sql.length + 1));
              break;
            case 4:
              sql = files[file]!;
              break;
            default:
              sql = sql.replace(/\{\{ audit\(\) \}\}|select /, (m) => (m === 'select ' ? 'select {{ audit() }}, ' : ''));
          }
          edit(file, sql);
        }
        if (rand(3) === 0) project.renderPending(rand(2) === 0 ? Infinity : 0.05);
        for (const h of held) assert.equal(observable(h.analysis), h.state, `step ${step}: a held version changed`);
        const current = project.get();
        if (current !== last) {
          versions++;
          // A new version sharing the previous one's objects (not a reload).
          if (current.project.config === last.project.config) shared++;
          last = current;
        }
        if (!project.rendering) assert.equal(fingerprint(current), fingerprint(fresh(host, root)), `step ${step}: the current version differs from a fresh load`);
      }
      for (const h of held) {
        assert.deepEqual(compiledModels(host, root, h.analysis), h.compiled);
        h.release();
      }
      // Not vacuous: versions were held while edits came, and most edits were applied to a new or current version.
      assert.ok(pins >= 20, `${pins} pins`);
      assert.ok(macroEdits >= 50, `${macroEdits} macro edits`);
      assert.ok(shared >= 15, `${shared} of ${versions} new versions shared the one before`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
