/**
 * Exposures as dbt-core reads them: test/fixtures/workflows' exposures in manifest.json exactly as
 * `dbt parse` writes them (test/goldens/dbt/workflows/exposures.json, from
 * scripts/dbt-workflow-goldens.sh); selectors on them are checked against `dbt ls` on the sample
 * (test/selector-dbt.test.ts); bad entries are problems naming file and line, never exceptions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { exposureManifestEntry } from '../server/src/core/loader/exposures';
import { selectNodes } from '../server/src/core/selector';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'exposures.json'), 'utf8')) as Record<string, Record<string, unknown>>;

describe('exposures, as dbt-core reads them', () => {
  it('the manifest entries of test/fixtures/workflows equal dbt\'s', () => {
    const analysis = analyzeProject(new NodeFileHost(), testPath('fixtures', 'workflows'));
    const ours = [...analysis.project.nodes.values()].filter((n) => n.resourceType === 'exposure');
    assert.deepEqual(ours.map((n) => n.uniqueId).sort(), Object.keys(golden).sort());
    for (const node of ours) {
      const { created_at: createdAt, ...entry } = exposureManifestEntry(node, node.file.replace(/^models\//, ''), 0);
      assert.equal(createdAt, 0);
      assert.deepEqual(entry, golden[node.uniqueId], node.uniqueId);
    }
  });

  it('graph nodes: parents from depends_on, in selections and lineage, never among the nodes a run builds', () => {
    const { graph } = analyzeProject(new NodeFileHost(), testPath('fixtures', 'workflows'));
    assert.deepEqual([...graph.downstream('model.workflows.orders_by_customer').keys()].filter((id) => id.startsWith('exposure.')).sort(), ['exposure.workflows.churn_model', 'exposure.workflows.customer_dashboard']);
    const { ids } = selectNodes(graph, { select: ['+exposure:customer_dashboard'], resourceTypes: ['model', 'seed'] });
    assert.deepEqual([...ids].sort(), ['model.workflows.orders_by_customer', 'model.workflows.stg_customers', 'model.workflows.stg_orders', 'seed.workflows.segments']);
  });

  it('bad entries: a problem at the entry, the rest loads', () => {
    const analysis = analyzeProject(
      new NodeFileHost(),
      tempProject({
        'models/m.sql': 'select 1 as id',
        'models/exposures.yml': [
          'version: 2',
          'exposures:',
          '  - name: no_type',
          '    owner: {email: a@b.c}',
          '    depends_on: [ref(\'m\')]',
          '  - name: bad_dependency',
          '    type: notebook',
          '    owner: {email: a@b.c}',
          '    depends_on: [m, "ref(\'missing\')"]',
          '  - type: ml',
          '',
        ].join('\n'),
      }),
    );
    const problems = analysis.diagnostics.filter((d) => d.file === 'models/exposures.yml').map((d) => d.message);
    assert.deepEqual(problems, [
      "Exposure 'no_type' needs a 'type': one of dashboard, notebook, analysis, ml, application",
      "Exposure 'bad_dependency' depends on 'm': expected ref('...') or source('...', '...')",
      "'bad_dependency' refers to 'missing', which is not a model, seed or snapshot in this project",
      'Every exposure in models/exposures.yml needs a \'name\'',
    ]);
    assert.ok(analysis.project.nodes.has('exposure.p.bad_dependency'));
  });
});
