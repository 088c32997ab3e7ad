// The Jinja parser's output, pinned: for every .sql / .jinja / .yml under test/ (fixtures, engine
// cases, goldens) the AST and the syntax diagnostics (with their spans) must equal what the
// golden recorded, and so must the parse of seeded mutations of each file (truncated, cut, or with
// tag characters inserted), which exercise the error paths. A speed-up of the lexer or parser must
// leave this golden unchanged; a deliberate change of the tree regenerates it (UPDATE_GOLDENS=1).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../server/src/core/jinja';
import { astJson } from './support/jinja-ast-json';
import { assertGolden, testPath } from './support/golden';
import { inputFiles, mutations } from './support/mutations';

const ROOT = testPath();
const GOLDEN = testPath('goldens', 'jinja-ast-digests.txt');
const EXTENSIONS = ['.sql', '.jinja', '.yml', '.yaml'];

function digest(text: string): string {
  const r = parse(text);
  return createHash('sha256').update(astJson(r.template)).update('\0').update(JSON.stringify(r.diagnostics)).digest('hex').slice(0, 16);
}

/** `path content-hash ast-digest mutations-digest` for one input. */
function line(file: string): string {
  const path = relative(ROOT, file);
  const text = readFileSync(file, 'utf8');
  const content = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const mutated = createHash('sha256');
  for (const m of mutations(text, parseInt(createHash('sha256').update(path).digest('hex').slice(0, 8), 16))) mutated.update(digest(m));
  return `${path} ${content} ${digest(text)} ${mutated.digest('hex').slice(0, 16)}`;
}

test('the Jinja AST and diagnostics of every test input (and seeded mutations) match the golden', () => {
  const inputs = inputFiles(ROOT, EXTENSIONS);
  assert.ok(inputs.length > 500, `expected the repository's Jinja inputs, found ${inputs.length}`);
  if (process.env.UPDATE_GOLDENS === '1') {
    assertGolden(GOLDEN, inputs.map(line).join('\n') + '\n');
    return;
  }
  // Inputs others add or edit later are not pinned (their golden line names another content
  // hash): the pinned set is what the parser is held to.
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
  assert.ok(compared > 500, `only ${compared} pinned inputs left unchanged: regenerate the golden (UPDATE_GOLDENS=1) with a parser known to be right`);
  assert.deepEqual(differing, [], 'the parse of these inputs changed');
});
