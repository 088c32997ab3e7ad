// The scanner's output, pinned: for every .sql / .jinja under test/ (fixtures, engine cases,
// goldens) the full scan() result (static flag, refs, sources, dynamic calls, configs, macro call
// sites, blocks, problems, every span) must equal what the golden recorded, and so must the scan
// of seeded mutations of each file (truncated, cut, tag and call text inserted), which exercise
// the recovery paths. A speed-up of the scanner must leave this golden unchanged; a deliberate
// change of its results regenerates it (UPDATE_GOLDENS=1).
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { scan } from '../server/src/core/scanner';
import { testPath } from './support/golden';
import { JINJA_INSERTS, assertDigestGolden } from './support/digest-golden';

/** What the scanner looks for, besides tag delimiters: calls, kwargs, literals, block keywords. */
const INSERTS = [
  ...JINJA_INSERTS, "ref('m')", 'ref(', 'source(', "config(materialized='view')", 'config(', '**', '=', '==', ':', ' v=2',
  "{{ ref('x') }}", "{% macro m(a, b='x') %}", '{% endmacro %}', '{% raw %}', '{% endraw %}', '{% materialization m, adapter="x" %}',
  'dbt_utils.star(', '.upper()', '\\n', '\\\n', "'it\\'s'", '1_000', '-1', 'True', 'none', '[1, 2]', "{'k': 1}",
];

function digest(text: string): string {
  return createHash('sha256').update(JSON.stringify(scan(text))).digest('hex').slice(0, 16);
}

test('the scan of every test input (and seeded mutations) matches the golden', () => {
  assertDigestGolden({ root: testPath(), golden: testPath('goldens', 'scanner-digests.txt'), extensions: ['.sql', '.jinja'], digest, seedsPerFile: 4, inserts: INSERTS, what: 'scan' });
});
