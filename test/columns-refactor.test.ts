/**
 * Column refactorings on a small project bound by DuckDB: rename a column through CTEs, `*`,
 * qualified references and yml (the edited project binds again with no problem), refusals with a
 * reason, `select *` expansion, and documenting missing columns in yml in each yml shape.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openColumnService } from '../server/src/columns/open';
import { analyzeProject, type Analysis } from '../server/src/core/analysis';
import type { ColumnModel } from '../server/src/core/columns/model';
import { expandStarEdits, outputColumnAt, renameColumn } from '../server/src/core/columns/refactor';
import { addMissingColumnsEdit, type FileEdit } from '../server/src/core/columns/yml';
import { createCompiler } from '../server/src/core/session';
import { NodeFileHost } from '../server/src/node/fs-host';
import { tempProject } from './support/temp-project';

async function bind(root: string): Promise<{ analysis: Analysis; model: ColumnModel }> {
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
  const service = await openColumnService(compiler.options.target, { projectRoot: root, env: {} });
  try {
    return { analysis, model: await service.submit({ analysis, compiler, version: 1 }) };
  } finally {
    await service.close();
  }
}

function apply(root: string, edits: FileEdit[]): void {
  const byFile = new Map<string, FileEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, list] of byFile) {
    if (list.some((e) => e.create)) {
      writeFileSync(join(root, file), list[0]!.newText);
      continue;
    }
    let text = readFileSync(join(root, file), 'utf8');
    for (const e of [...list].sort((a, b) => b.span!.start - a.span!.start)) text = text.slice(0, e.span!.start) + e.newText + text.slice(e.span!.end);
    writeFileSync(join(root, file), text);
  }
}

const files = {
  'seeds/people.csv': 'id,full_name,city\n1,Ada,Paris\n2,Bob,Rome\n',
  'models/base.sql': "select\n    id,\n    full_name as old_name,\n    city\nfrom {{ ref('people') }}\n",
  'models/mid.sql': "with src as (\n    select * from {{ ref('base') }}\n)\n\nselect\n    src.id,\n    src.old_name,\n    old_name as kept,\n    upper(old_name) as shout\nfrom src\n",
  'models/top.sql': "select m.*, length(m.old_name) as n\nfrom {{ ref('mid') }} as m\n",
  'models/jinja_alias.sql': "select id as {{ 'gen' ~ 'erated' }}\nfrom {{ ref('base') }}\n",
  'models/props.yml': 'version: 2\nmodels:\n  - name: base\n    columns:\n      - name: old_name\n        description: The name.\n  - name: mid\n    columns:\n      - name: old_name\n      - name: kept\n  - name: top\n    description: no columns key\n  - name: jinja_alias\n    columns: []\n',
};

describe('column refactorings (DuckDB binder)', () => {
  it('rename a column through a CTE with *, qualified references, pass-through columns and yml; the result binds again', async () => {
    const root = tempProject(files);
    const { analysis, model } = await bind(root);
    const base = analysis.project.nodes.get('model.p.base')!;
    const text = readFileSync(join(root, 'models/base.sql'), 'utf8');
    const at = outputColumnAt(analysis, model, 'models/base.sql', text.indexOf('old_name') + 2);
    assert.deepEqual(at && [at.node.name, at.column], ['base', 'old_name']);
    const result = renameColumn(analysis, model, base, 'old_name', 'name');
    assert.equal(result.problem, undefined);
    apply(root, result.edits);
    assert.equal(readFileSync(join(root, 'models/base.sql'), 'utf8'), "select\n    id,\n    full_name as name,\n    city\nfrom {{ ref('people') }}\n");
    assert.equal(readFileSync(join(root, 'models/mid.sql'), 'utf8'), "with src as (\n    select * from {{ ref('base') }}\n)\n\nselect\n    src.id,\n    src.name,\n    name as kept,\n    upper(name) as shout\nfrom src\n");
    assert.equal(readFileSync(join(root, 'models/top.sql'), 'utf8'), "select m.*, length(m.name) as n\nfrom {{ ref('mid') }} as m\n");
    assert.match(readFileSync(join(root, 'models/props.yml'), 'utf8'), /- name: base\n {4}columns:\n {6}- name: name\n[\s\S]*- name: mid\n {4}columns:\n {6}- name: name\n {6}- name: kept/);
    const after = await bind(root);
    for (const e of after.model.entries()) assert.deepEqual(e.problems.filter((p) => p.code !== 'yml-column-missing'), [], e.nodeId);
    assert.deepEqual(after.model.columnsOf('model.p.top')!.map((c) => c.name), ['id', 'name', 'kept', 'shout', 'n']);
  });

  it('refusals say why: a taken name, a column written by Jinja, a column that comes from *', async () => {
    const root = tempProject(files);
    const { analysis, model } = await bind(root);
    const node = (name: string) => analysis.project.nodes.get(`model.p.${name}`)!;
    assert.match(renameColumn(analysis, model, node('base'), 'old_name', 'city').problem!, /already has a column named 'city'/);
    assert.match(renameColumn(analysis, model, node('jinja_alias'), 'generated', 'g').problem!, /produced by Jinja/);
    assert.match(renameColumn(analysis, model, node('top'), 'kept', 'k').problem!, /comes from a \* or an unnamed expression/);
    assert.match(renameColumn(analysis, model, node('base'), 'old_name', 'not valid').problem!, /not a plain column name/);
  });

  it('expand `*` and `alias.*` into the columns they stand for', async () => {
    const root = tempProject(files);
    const { analysis, model } = await bind(root);
    const top = readFileSync(join(root, 'models/top.sql'), 'utf8');
    const actions = expandStarEdits(analysis, model, 'models/top.sql', { start: top.indexOf('*'), end: top.indexOf('*') });
    assert.deepEqual(actions.map((a) => a.title), ['Expand m.* into 4 columns']);
    apply(root, [actions[0]!.edit]);
    assert.equal(readFileSync(join(root, 'models/top.sql'), 'utf8'), 'select\n    m.id,\n    m.old_name,\n    m.kept,\n    m.shout, length(m.old_name) as n\nfrom {{ ref(\'mid\') }} as m\n');
    const mid = readFileSync(join(root, 'models/mid.sql'), 'utf8');
    const inner = expandStarEdits(analysis, model, 'models/mid.sql', { start: mid.indexOf('*'), end: mid.indexOf('*') + 1 });
    assert.deepEqual(inner.map((a) => a.edit.newText), ['\n        id,\n        old_name,\n        city']);
  });

  it('document missing columns with types: appended to columns, under an entry without columns, replacing `columns: []`, or in a new yml file', async () => {
    const root = tempProject({ ...files, 'models/loose.sql': "select id, city from {{ ref('base') }}\n" });
    const { analysis, model } = await bind(root);
    const edit = (name: string): FileEdit[] => addMissingColumnsEdit(analysis, analysis.project.nodes.get(`model.p.${name}`)!, model.columnsOf(`model.p.${name}`)!);
    apply(root, [...edit('base'), ...edit('top'), ...edit('jinja_alias'), ...edit('loose')]);
    const yml = readFileSync(join(root, 'models/props.yml'), 'utf8');
    assert.equal(
      yml,
      'version: 2\nmodels:\n  - name: base\n    columns:\n      - name: old_name\n        description: The name.\n      - name: id\n        data_type: bigint\n      - name: city\n        data_type: varchar\n' +
        '  - name: mid\n    columns:\n      - name: old_name\n      - name: kept\n' +
        '  - name: top\n    description: no columns key\n    columns:\n      - name: id\n        data_type: bigint\n      - name: old_name\n        data_type: varchar\n      - name: kept\n        data_type: varchar\n      - name: shout\n        data_type: varchar\n      - name: n\n        data_type: bigint\n' +
        '  - name: jinja_alias\n    columns:\n      - name: generated\n        data_type: bigint\n',
    );
    assert.equal(readFileSync(join(root, 'models/loose.yml'), 'utf8'), 'version: 2\n\nmodels:\n  - name: loose\n    columns:\n      - name: id\n        data_type: bigint\n      - name: city\n        data_type: varchar\n');
    // The edited yml is read back by the project as columns with those types.
    const after = await bind(root);
    assert.deepEqual(after.analysis.project.nodes.get('model.p.top')!.columns.map((c) => `${c.name}:${c.dataType}`), ['id:bigint', 'old_name:varchar', 'kept:varchar', 'shout:varchar', 'n:bigint']);
  });
});
