import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { LineIndex } from '../server/src/core/text';
import { NodeFileHost } from '../server/src/node/fs-host';
import { assertGolden, testPath } from './support/golden';
import { rmSync } from 'node:fs';
import { tempProject } from './support/temp-project';

function describeDiagnostics(root: string): string {
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  return analysis.diagnostics
    .map((d) => {
      const file = analysis.project.files.get(d.file);
      const text = file?.text ?? (host.read(`${root}/${d.file}`) as { text?: string }).text ?? '';
      const pos = d.span ? new LineIndex(text).position(d.span.start) : undefined;
      const at = pos ? `${d.file}:${pos.line + 1}:${pos.character + 1}` : d.file;
      const hint = d.suggestions?.length ? ` [${d.suggestions.join(', ')}]` : '';
      return `${at} ${d.severity} ${d.code}: ${d.message}${hint}`;
    })
    .join('\n') + '\n';
}

describe('project loading: a broken project still loads', () => {
  const root = testPath('fixtures', 'broken');

  it('reports every problem with file, line, column and cause (golden)', () => {
    assertGolden(testPath('fixtures', 'broken.diagnostics.txt'), describeDiagnostics(root));
  });

  it('keeps a partial graph around the problems', () => {
    const { project, graph } = analyzeProject(new NodeFileHost(), root);
    assert.ok(project.nodes.has('model.broken_shop.gold_report'));
    const gold = project.nodes.get('model.broken_shop.gold_report')!;
    assert.equal(gold.layer, 'gold');
    assert.equal(gold.config.materialized, 'table');
    assert.deepEqual(gold.config.tags, ['reporting']);
    assert.deepEqual(graph.cycles.map((c) => c.map((id) => id.split('.').pop())), [['cycle_a', 'cycle_c', 'cycle_b']]);
    assert.ok(project.disabled.has('old_model'));
    assert.deepEqual(project.nodes.get('model.broken_shop.bronze_orders')!.dependsOn, ['source.broken_shop.landing.orders']);
  });
});

describe('project loading: hostile files', () => {
  it('binary and huge files are reported, the rest loads', () => {
    const host = new MemoryHost(
      {
        'dbt_project.yml': 'name: p\nconfig-version: 2\n',
        'models/ok.sql': 'select 1 as id',
        'models/blob.sql': 'select \u0000\u0001\u0002',
        'models/huge.sql': 'x'.repeat(9 * 1024 * 1024),
        'models/uses.sql': "select * from {{ ref('ok') }}",
      },
      '/p',
    );
    const { project, diagnostics } = analyzeProject(host, '/p');
    assert.deepEqual(diagnostics.map((d) => [d.file, d.code]), [['models/blob.sql', 'binary-file'], ['models/huge.sql', 'file-too-large']]);
    assert.deepEqual(project.nodes.get('model.p.uses')!.dependsOn, ['model.p.ok']);
  });

  it('a project with no dbt_project.yml still loads its models', () => {
    const { project, diagnostics } = analyzeProject(new MemoryHost({ 'models/a.sql': 'select 1' }, '/q'), '/q');
    assert.equal(diagnostics[0]!.code, 'project-config');
    assert.ok(project.nodes.has('model.q.a'));
  });
});

describe('installed packages', () => {
  it('found by listing one level of the packages folder: the same packages, in the same order, as from the whole listing', () => {
    const pkg = (name: string): Record<string, string> => ({
      [`dbt_packages/${name}/dbt_project.yml`]: `name: ${name.replace('-', '_')}\nconfig-version: 2\n`,
      [`dbt_packages/${name}/models/${name.replace('-', '_')}_m.sql`]: 'select 1 as id\n',
    });
    const root = tempProject({
      ...pkg('a'),
      ...pkg('a-b'),
      // A package's own test project is not a package; nor is a folder without dbt_project.yml.
      'dbt_packages/a/integration_tests/dbt_project.yml': 'name: a_integration_tests\n',
      'dbt_packages/a/integration_tests/models/it.sql': 'select 1 as id\n',
      'dbt_packages/not_a_package/models/x.sql': 'select 1 as id\n',
      'models/root_m.sql': "select * from {{ ref('a_m') }} join {{ ref('a_b_m') }} using (id)\n",
    });
    try {
      const listed: string[] = [];
      const fs = new NodeFileHost();
      const byLevel = analyzeProject({ read: (p) => fs.read(p), list: (d) => (listed.push(d), fs.list(d)), listLevel: (d) => fs.listLevel(d) }, root);
      const whole = analyzeProject({ read: (p) => fs.read(p), list: (d) => fs.list(d) }, root);
      assert.deepEqual([...byLevel.project.packages.keys()], ['a_b', 'a']);
      assert.deepEqual([...byLevel.project.packages.keys()], [...whole.project.packages.keys()]);
      assert.deepEqual([...byLevel.project.nodes.keys()], [...whole.project.nodes.keys()]);
      assert.deepEqual(byLevel.diagnostics, whole.diagnostics);
      assert.deepEqual(byLevel.diagnostics.filter((d) => d.severity === 'error'), []);
      assert.ok(!listed.some((d) => d.endsWith('/dbt_packages') || d.includes('integration_tests')), listed.join('\n'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
