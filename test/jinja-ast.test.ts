// The Jinja parser's output, pinned: for every .sql / .jinja / .yml under test/ (fixtures, engine
// cases, goldens) the AST and the syntax diagnostics (with their spans) must equal what the
// golden recorded, and so must the parse of seeded mutations of each file (truncated, cut, or with
// tag characters inserted), which exercise the error paths. A speed-up of the lexer or parser must
// leave this golden unchanged; a deliberate change of the tree regenerates it (UPDATE_GOLDENS=1).
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { parse } from '../server/src/core/jinja';
import { astJson } from './support/jinja-ast-json';
import { testPath } from './support/golden';
import { assertDigestGolden } from './support/digest-golden';

function digest(text: string): string {
  const r = parse(text);
  return createHash('sha256').update(astJson(r.template)).update('\0').update(JSON.stringify(r.diagnostics)).digest('hex').slice(0, 16);
}

test('the Jinja AST and diagnostics of every test input (and seeded mutations) match the golden', () => {
  assertDigestGolden({ root: testPath(), golden: testPath('goldens', 'jinja-ast-digests.txt'), extensions: ['.sql', '.jinja', '.yml', '.yaml'], digest, what: 'parse' });
});
