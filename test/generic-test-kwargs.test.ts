/**
 * Generic tests written with the same arguments share one frozen kwargs object (a big project
 * repeats one accepted_values list on every model's column); any difference in a value, its type,
 * the column or the keys' order keeps them apart, and what dbt sees (test_metadata) is unchanged.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import type { ProjectNode } from '../server/src/core/model';
import { NodeFileHost } from '../server/src/node/fs-host';
import { tempProject } from './support/temp-project';

/** One model per case, its column `c` with the test written as given, and the kwargs the test must get. */
const cases: Array<{ name: string; test: string; kwargs: Record<string, unknown> }> = [
  { name: 'a', test: "accepted_values:\n              arguments:\n                values: ['x', 'y']", kwargs: { column_name: 'c', values: ['x', 'y'] } },
  { name: 'b', test: "accepted_values:\n              arguments:\n                values: ['x', 'y']", kwargs: { column_name: 'c', values: ['x', 'y'] } },
  // Legacy form (arguments beside the test's name): the entry's keys come before the column, as in dbt.
  { name: 'c', test: "accepted_values:\n              values: ['x', 'y']", kwargs: { values: ['x', 'y'], column_name: 'c' } },
  { name: 'd', test: "accepted_values:\n              arguments:\n                values: ['x', 'z']", kwargs: { column_name: 'c', values: ['x', 'z'] } },
  { name: 'e', test: "accepted_values:\n              arguments:\n                values: [1, 2]", kwargs: { column_name: 'c', values: [1, 2] } },
  { name: 'f', test: "accepted_values:\n              arguments:\n                values: ['1', '2']", kwargs: { column_name: 'c', values: ['1', '2'] } },
  { name: 'g', test: "accepted_values:\n              arguments:\n                values: ['x', 'y']\n                quote: false", kwargs: { column_name: 'c', values: ['x', 'y'], quote: false } },
  { name: 'h', test: "accepted_values:\n              arguments:\n                quote: false\n                values: ['x', 'y']", kwargs: { column_name: 'c', quote: false, values: ['x', 'y'] } },
  { name: 'i', test: "accepted_values:\n              arguments:\n                values: ['x,y']", kwargs: { column_name: 'c', values: ['x,y'] } },
  { name: 'j', test: "accepted_values:\n              arguments:\n                values: ['x', 'y']\n              config:\n                severity: warn", kwargs: { column_name: 'c', values: ['x', 'y'] } },
  // A mapping argument is never shared (nothing to key it by cheaply).
  { name: 'k', test: 'my_test:\n              arguments:\n                opts: {a: 1}', kwargs: { column_name: 'c', opts: { a: 1 } } },
  { name: 'l', test: 'my_test:\n              arguments:\n                opts: {a: 1}', kwargs: { column_name: 'c', opts: { a: 1 } } },
];
/** Groups of cases whose tests hold one kwargs object. */
const sharing = [['a', 'b', 'j']];

function project(): Record<string, string> {
  const files: Record<string, string> = { 'macros/my_test.sql': '{% test my_test(model, column_name, opts) %}select 1{% endtest %}' };
  let yml = 'version: 2\nmodels:\n';
  for (const c of cases) {
    files[`models/${c.name}.sql`] = 'select 1 as c';
    yml += `  - name: ${c.name}\n    columns:\n      - name: c\n        data_tests:\n          - ${c.test}\n`;
  }
  // The same arguments on another column are other arguments.
  files['models/m.sql'] = 'select 1 as d';
  yml += "  - name: m\n    columns:\n      - name: d\n        data_tests:\n          - accepted_values:\n              arguments:\n                values: ['x', 'y']\n";
  files['models/schema.yml'] = yml;
  return files;
}

describe('generic tests with the same arguments share them', () => {
  it('one frozen kwargs object per distinct arguments, as written', () => {
    const root = tempProject(project());
    try {
      const analysis = analyzeProject(new NodeFileHost(), root);
      const byModel = new Map<string, ProjectNode>();
      for (const n of analysis.project.nodes.values()) if (n.resourceType === 'test') byModel.set(n.test!.attachedTo!.split('.').pop()!, n);
      assert.equal(byModel.size, cases.length + 1, JSON.stringify(analysis.project.diagnostics));
      for (const c of cases) {
        const kwargs = byModel.get(c.name)!.test!.kwargs;
        assert.deepEqual(kwargs, c.kwargs, `${c.name}: kwargs as written`);
        assert.deepEqual(Object.keys(kwargs), Object.keys(c.kwargs), `${c.name}: keys in the written order`);
      }
      const groupOf = (name: string): number => sharing.findIndex((g) => g.includes(name));
      const all = [...cases.map((c) => c.name), 'm'];
      for (const x of all) {
        for (const y of all) {
          if (x >= y) continue;
          const same = byModel.get(x)!.test!.kwargs === byModel.get(y)!.test!.kwargs;
          assert.equal(same, groupOf(x) >= 0 && groupOf(x) === groupOf(y), `${x} and ${y} ${same ? 'share' : 'do not share'} their kwargs`);
        }
      }
      const shared = byModel.get('a')!.test!.kwargs;
      assert.ok(Object.isFrozen(shared) && Object.isFrozen(shared.values), 'shared kwargs and their lists are frozen');
      // Ids hash the kwargs: tests with the same ones still have their own ids and names.
      assert.notEqual(byModel.get('a')!.uniqueId, byModel.get('b')!.uniqueId);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
