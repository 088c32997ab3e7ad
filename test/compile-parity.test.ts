/**
 * Compiled SQL against dbt-core's own output (goldens made by scripts/dbt-goldens.sh), whitespace
 * aside, and the graph against dbt's manifest. Every node dbt compiled must match, except the gaps
 * listed in test/goldens/parity-gaps.txt (compiled SQL) and test/goldens/graph-gaps.txt (graph); a
 * fixed gap or a new mismatch both fail until that list is updated (UPDATE_GOLDENS=1, reviewed).
 * A fixture project added under test/fixtures/parity/ is picked up here once its goldens exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';
import { describe, it } from 'node:test';
import { compileParity, goldenProjects, graphParity, parityFixtures, PUBLIC_PROJECTS_DIR } from './support/parity';
import { assertGolden, testPath } from './support/golden';
import { tempProject } from './support/temp-project';

const publicProjects = PUBLIC_PROJECTS_DIR;
// The sample, xdb, the public projects from PyPI and every fixture under test/fixtures/parity/.
const projects = goldenProjects();

describe('compile parity with dbt-core 1.12 (whitespace aside)', () => {
  const lines: string[] = [];
  let total = 0;
  let matched = 0;
  for (const [golden, root] of projects) {
    const available = existsSync(`${root}/dbt_project.yml`);
    it(`${golden}`, { skip: !available && !process.env.CI ? 'public projects not fetched (bash scripts/fetch-public-project.sh)' : false }, () => {
      assert.ok(available, `${root} is missing: .ci/run fetches it with scripts/fetch-public-project.sh`);
      const results = compileParity(golden, root);
      assert.ok(results.length > 0, 'no golden nodes were compared');
      total += results.length;
      matched += results.filter((r) => r.status === 'match').length;
      for (const r of results) {
        if (r.status === 'match') continue;
        // Failures keep their message (the why); differing SQL just says so (the diff is in the test output).
        lines.push(`${golden} ${r.uniqueId} ${r.status}${r.status === 'failed' ? `: ${r.detail}` : ''}`);
        if (r.status === 'differs') process.stdout.write(`# ${golden} ${r.uniqueId}: ${r.detail}\n`);
      }
    });
  }

  it('mismatches are exactly the known gaps', { skip: !existsSync(`${publicProjects}/sushi_test/dbt_project.yml`) && !process.env.CI ? 'needs all golden projects' : false }, () => {
    process.stdout.write(`# compile parity: ${matched}/${total} nodes match dbt (${((100 * matched) / total).toFixed(1)}%)\n`);
    assertGolden(testPath('goldens', 'parity-gaps.txt'), lines.sort().join('\n') + '\n');
  });
});

describe('graph parity with dbt-core 1.12: nodes, enabled state, dependencies, configs and relation names', () => {
  const lines: string[] = [];
  let total = 0;
  let agreeing = 0;
  for (const [golden, root] of projects) {
    const available = existsSync(`${root}/dbt_project.yml`);
    it(golden, { skip: !available && !process.env.CI ? 'public projects not fetched' : false }, () => {
      const result = graphParity(golden, root);
      assert.ok(result.compared > 0);
      total += result.compared;
      agreeing += result.agreeing;
      for (const d of result.differences) lines.push(`${golden} ${d}`);
    });
  }

  it('differences are exactly the known gaps', { skip: !existsSync(`${publicProjects}/sushi_test/dbt_project.yml`) && !process.env.CI ? 'needs all golden projects' : false }, () => {
    process.stdout.write(`# graph parity: ${agreeing}/${total} of dbt's nodes agree on everything (${((100 * agreeing) / total).toFixed(1)}%)\n`);
    assertGolden(testPath('goldens', 'graph-gaps.txt'), lines.sort().join('\n') + '\n');
  });
});

describe('graph parity: every node rendered (verify mode) gives the same graph', () => {
  for (const [golden, root] of [...projects.slice(0, 2), ...parityFixtures()]) {
    it(golden, () => {
      const { differences } = graphParity(golden, root, { verifyParse: true });
      assert.deepEqual(differences, []);
    });
  }
});

describe('graph parity: what dbt refuses to parse', () => {
  it('two resources with the same database representation are an error, as in dbt', () => {
    const golden = readFileSync(testPath('goldens', 'dbt', 'duplicate_relation', 'error.txt'), 'utf8');
    const relation = /database representation "(.+?)"\./.exec(golden)?.[1];
    assert.ok(relation, 'the golden names the relation');
    const ids = [...golden.matchAll(/- (model\.[\w.]+) /g)].map((m) => m[1]!);
    assert.equal(ids.length, 2);
    const analysis = analyzeProject(new NodeFileHost(), testPath('fixtures', 'parity', 'duplicate_relation'));
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, errors.map((d) => d.message).join('\n'));
    assert.equal(errors[0]!.code, 'duplicate-name');
    assert.ok(errors[0]!.message.includes(relation!), errors[0]!.message);
    for (const id of ids) assert.ok(errors[0]!.message.includes(id), `${id} in ${errors[0]!.message}`);
  });

  it('a project generate_alias_name that names two models alike is the same error (dbt 1.12.6 names "test"."main"."orders")', () => {
    // Checked with dbt parse on the same project: model.p.orders and model.p.stg_orders share "test"."main"."orders".
    const root = tempProject({
      'macros/alias.sql': "{% macro generate_alias_name(custom_alias_name=none, node=none) -%}\n  {{ node.name | replace('stg_', '') }}\n{%- endmacro %}\n",
      'models/stg_orders.sql': 'select 1 as id\n',
      'models/orders.sql': 'select 2 as id\n',
      'models/customers.sql': 'select 3 as id\n',
    });
    const errors = analyzeProject(new NodeFileHost(), root).diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, errors.map((d) => d.message).join('\n'));
    assert.equal(errors[0]!.code, 'duplicate-name');
    assert.ok(errors[0]!.message.includes('""test"."main"."orders""'), errors[0]!.message);
    assert.ok(errors[0]!.message.includes('model.p.orders') && errors[0]!.message.includes('model.p.stg_orders'), errors[0]!.message);
    assert.ok(!errors[0]!.message.includes('customers'), errors[0]!.message);
  });
});
