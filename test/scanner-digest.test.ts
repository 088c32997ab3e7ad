// The scanner's output, pinned: for every .sql / .jinja under test/ (fixtures, engine cases,
// goldens) the full scan() result (static flag, refs, sources, dynamic calls, configs, macro call
// sites, blocks, problems, every span) must equal what the golden recorded, and so must the scan
// of seeded mutations of each file (truncated, cut, tag and call text inserted), which exercise
// the recovery paths. A speed-up of the scanner must leave this golden unchanged; a deliberate
// change of its results regenerates it (UPDATE_GOLDENS=1).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scan } from '../server/src/core/scanner';
import { assertGolden, testPath } from './support/golden';
import { JINJA_INSERTS, inputFiles, mutations } from './support/mutations';

const ROOT = testPath();
const GOLDEN = testPath('goldens', 'scanner-digests.txt');
const EXTENSIONS = ['.sql', '.jinja'];
/** What the scanner looks for, besides tag delimiters: calls, kwargs, literals, block keywords. */
const INSERTS = [
  ...JINJA_INSERTS, "ref('m')", 'ref(', 'source(', "config(materialized='view')", 'config(', '**', '=', '==', ':', ' v=2',
  "{{ ref('x') }}", "{% macro m(a, b='x') %}", '{% endmacro %}', '{% raw %}', '{% endraw %}', '{% materialization m, adapter="x" %}',
  'dbt_utils.star(', '.upper()', '\\n', '\\\n', "'it\\'s'", '1_000', '-1', 'True', 'none', '[1, 2]', "{'k': 1}",
];
const SEEDS_PER_FILE = 4;

function digest(text: string): string {
  return createHash('sha256').update(JSON.stringify(scan(text))).digest('hex').slice(0, 16);
}

/** `path content-hash scan-digest mutations-digest` for one input. */
function line(file: string): string {
  const path = relative(ROOT, file);
  const text = readFileSync(file, 'utf8');
  const content = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const seed = parseInt(createHash('sha256').update(path).digest('hex').slice(0, 8), 16);
  const mutated = createHash('sha256');
  for (let s = 0; s < SEEDS_PER_FILE; s++) for (const m of mutations(text, seed + s, INSERTS)) mutated.update(digest(m));
  return `${path} ${content} ${digest(text)} ${mutated.digest('hex').slice(0, 16)}`;
}

test('the scan of every test input (and seeded mutations) matches the golden', () => {
  const inputs = inputFiles(ROOT, EXTENSIONS);
  assert.ok(inputs.length > 500, `expected the repository's SQL inputs, found ${inputs.length}`);
  if (process.env.UPDATE_GOLDENS === '1') {
    assertGolden(GOLDEN, inputs.map(line).join('\n') + '\n');
    return;
  }
  // Inputs others add or edit later are not pinned (their golden line names another content
  // hash): the pinned set is what the scanner is held to.
  const pinned = readFileSync(GOLDEN, 'utf8').split('\n').filter(Boolean);
  const present = new Set(inputs.map((f) => relative(ROOT, f)));
  let compared = 0;
  const differing: string[] = [];
  for (const expected of pinned) {
    const [path, content] = expected.split(' ');
    if (!present.has(path!)) continue;
    const actual = line(join(ROOT, path!));
    if (actual.split(' ')[1] !== content) continue;
    compared++;
    if (actual !== expected) differing.push(`${expected}  !=  ${actual}`);
  }
  assert.ok(compared > 500, `only ${compared} pinned inputs left unchanged: regenerate the golden (UPDATE_GOLDENS=1) with a scanner known to be right`);
  assert.deepEqual(differing, [], 'the scan of these inputs changed');
});
