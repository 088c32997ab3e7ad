import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { LineIndex } from '../server/src/core/text';
import { NodeFileHost } from '../server/src/node/fs-host';
import { assertGolden, testPath } from './support/golden';

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
