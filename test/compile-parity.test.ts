/**
 * Compiled SQL against dbt-core's own output (goldens made by scripts/dbt-goldens.sh), whitespace
 * aside. Every node dbt compiled must match, except the gaps listed (and explained) in
 * test/goldens/parity-gaps.txt; a fixed gap or a new mismatch both fail until that list is updated.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';
import { describe, it } from 'node:test';
import { compileParity, graphParity } from './support/parity';
import { assertGolden, testPath } from './support/golden';

const repo = testPath('..');
const publicProjects = `${repo}/.cache/public-projects`;
/** One small project per way a static scan and dbt's parse-time render disagree (test/fixtures/parity/). */
const parityFixtures: Array<[string, string]> = readdirSync(testPath('fixtures', 'parity'))
  .filter((name) => name !== 'duplicate_relation')
  .sort()
  .map((name) => {
    const dir = testPath('fixtures', 'parity', name);
    return [`parity_${name}`, existsSync(`${dir}/dbt_project.yml`) ? dir : `${dir}/project`];
  });

const projects: Array<[string, string]> = [
  ['medallion_retail', `${repo}/models`],
  ['xdb', testPath('fixtures', 'xdb')],
  ['jaffle_shop_duckdb', `${publicProjects}/jaffle_shop_duckdb`],
  ['sushi_dbt', `${publicProjects}/sushi_dbt`],
  ['sushi_test', `${publicProjects}/sushi_test`],
  ...parityFixtures,
];

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

describe('graph parity with dbt-core 1.12: nodes, dependencies and relation names', () => {
  for (const [golden, root] of projects) {
    const available = existsSync(`${root}/dbt_project.yml`);
    it(golden, { skip: !available && !process.env.CI ? 'public projects not fetched' : false }, () => {
      const { compared, differences } = graphParity(golden, root);
      assert.ok(compared > 0);
      assert.deepEqual(differences, []);
    });
  }
});

describe('graph parity: every node rendered (verify mode) gives the same graph', () => {
  for (const [golden, root] of [...projects.slice(0, 2), ...parityFixtures]) {
    it(golden, () => {
      const { differences } = graphParity(golden, root, { verifyParse: true });
      assert.deepEqual(differences, []);
    });
  }
});

describe('graph parity: what dbt refuses to parse', () => {
  it('two resources with the same database representation are an error, as in dbt', () => {
    const golden = readFileSync(testPath('goldens', 'dbt', 'parity_duplicate_relation', 'error.txt'), 'utf8');
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
});
