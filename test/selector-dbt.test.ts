/**
 * Selectors against the pinned dbt-core: for every selector in test/goldens/dbt/selectors/
 * selectors.txt, the nodes `dbt ls -s <selector>` lists on the sample project
 * (scripts/dbt-selector-goldens.sh wrote medallion_retail.json) and on the parity fixtures with
 * a selector list there (<fixture>.txt → <fixture>.json), and a seeded, bounded fuzz: the
 * core never throws on any selector text.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { fnmatch, selectNodes } from '../server/src/core/selector';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';

const { graph } = analyzeProject(new NodeFileHost(), testPath('..', 'models'));

/** The nodes `dbt ls -s` selected, per selector, on a project (a `{error}` where dbt refused the selector). */
type SelectorGoldens = Record<string, string[] | { error: string }>;

function checkSelectors(title: string, projectGraph: typeof graph, goldens: SelectorGoldens): void {
  describe(title, () => {
    for (const [selector, expected] of Object.entries(goldens)) {
      it(selector, () => {
        const { ids, problems } = selectNodes(projectGraph, { select: [selector] });
        if (!Array.isArray(expected)) {
          assert.ok(problems.length > 0, `dbt refuses it (${expected.error}); we must say why`);
          assert.deepEqual([...ids], []);
          return;
        }
        // Generic tests carry dbt's own unique ids (with their hash): compared as they are.
        assert.deepEqual([...ids].sort(), [...expected].sort());
        if (expected.length > 0) assert.deepEqual(problems, []);
        else assert.match(problems.join('\n'), /does not match any enabled node/);
      });
    }
  });
}

const readGoldens = (name: string): SelectorGoldens => JSON.parse(readFileSync(testPath('goldens', 'dbt', 'selectors', `${name}.json`), 'utf8')) as SelectorGoldens;

checkSelectors('selectors: the same nodes as dbt ls (pinned dbt-core) on the sample project', graph, readGoldens('medallion_retail'));

// Parity fixtures with their own selector list (test/goldens/dbt/selectors/<fixture>.txt):
// fqn_kinds holds analyses (fqn [package, 'analysis', ...]) and .sql and yml snapshots.
for (const name of readdirSync(testPath('goldens', 'dbt', 'selectors')).filter((f) => f.endsWith('.txt') && f !== 'selectors.txt').map((f) => f.slice(0, -'.txt'.length))) {
  const fixture = analyzeProject(new NodeFileHost(), testPath('fixtures', 'parity', name));
  checkSelectors(`selectors: the same nodes as dbt ls (pinned dbt-core) on the ${name} fixture`, fixture.graph, readGoldens(name));
}

describe('selectors dbt refuses: a clear problem, nothing selected', () => {
  const cases: Array<[string, RegExp]> = [
    ['path:/etc', /Invalid path pattern '\/etc' in 'path:\/etc': it must be a non-empty path relative to the project/],
    ['resource_type:modle', /Invalid resource_type selector 'modle'/],
    ['test_type:schemas', /Invalid test type selector 'schemas'.*generic, singular, unit or data/],
    ['source:a.b.c.d', /Invalid source selector 'a\.b\.c\.d'/],
    ['unit_test:a.b.c', /Invalid unit test selector 'a\.b\.c'/],
  ];
  for (const [selector, problem] of cases) {
    it(selector, () => {
      const { ids, problems } = selectNodes(graph, { select: [selector] });
      assert.deepEqual([...ids], []);
      assert.match(problems.join('\n'), problem);
    });
  }
});

describe('fnmatch: Python semantics', () => {
  const cases: Array<[string, string, boolean]> = [
    ['abc', 'a?c', true],
    ['a/c', 'a*', true],
    ['abc', '[!a]*', false],
    ['bbc', '[!a]*', true],
    ['!bc', '[!]*', false],
    ['x[', 'x[', true],
    ['x', 'x[', false],
    [']', '[]]', true],
    ['a', '[]a]', true],
    ['-', '[a-]', true],
    ['b', '[z-a]', false],
    ['^', '[^]', true],
    ['\\', '[\\]', true],
    ['a.b', 'a.b', true],
    ['aXb', 'a.b', false],
    ['ABC', 'abc', false],
    ['line\nbreak', 'line*', true],
  ];
  for (const [name, pattern, expected] of cases) it(`${JSON.stringify(name)} ~ ${JSON.stringify(pattern)} = ${expected}`, () => assert.equal(fnmatch(name, pattern), expected));
});

describe('selectors: seeded bounded fuzz (the core never throws)', () => {
  it('2000 random selectors: a result and problems, never an exception', () => {
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const atoms = ['tag:', 'path:', 'file:', 'source:', 'config.materialized:', 'config.', 'resource_type:', 'test_name:', 'test_type:', 'unit_test:', 'package:', 'layer:', 'fqn:', '@', '+', '2+', '+3', ',', ' ', '.', '/', '\\', '*', '**', '?', '[', ']', '[!', '^', '-', '(', ')', '{', '}', '$', '|', 'silver', 'orders', 'models', ':', '', 'é', '\u0000'];
    for (let i = 0; i < 2000; i++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, () => atoms[Math.floor(random() * atoms.length)]!);
      const text = parts.join('');
      const result = selectNodes(graph, { select: [text], exclude: random() < 0.3 ? [parts.reverse().join('')] : [] });
      assert.ok(result.ids instanceof Set, text);
      assert.ok(Array.isArray(result.problems), text);
    }
  });
});
