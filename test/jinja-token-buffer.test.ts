// The parser reuses one token buffer from template to template (lexer.ts, TokenBuffer): what it
// read before must never show through. Each template's tree and diagnostics are the same whether
// it is parsed first, after a longer template, or after one too long for the buffer to be kept.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from '../server/src/core/jinja';
import { astJson } from './support/jinja-ast-json';
import { testPath } from './support/golden';

function tree(text: string): string {
  const r = parse(text);
  return astJson(r.template) + '\0' + JSON.stringify(r.diagnostics);
}

const dir = testPath('jinja', 'cases');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.jinja'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));

test('a template parses the same after any other (longest first, then shortest first)', () => {
  assert.ok(cases.length > 100, 'the Jinja cases are there');
  const reference = new Map<string, string>();
  for (const c of cases) {
    // A long, token-dense template just before leaves stale tokens past every short one's end.
    tree(`{{ ${'a.b(c, [1, 2], d=3) ~ '.repeat(100)}'x' }}{% if %}{{ ( %}`);
    reference.set(c.name, tree(c.text));
  }
  const bySize = [...cases].sort((a, b) => b.text.length - a.text.length);
  for (const c of bySize) assert.equal(tree(c.text), reference.get(c.name), `${c.name} after a longer template`);
  for (const c of bySize.reverse()) assert.equal(tree(c.text), reference.get(c.name), `${c.name} after a shorter template`);
});

test('a template with more tokens than a kept buffer holds parses, and so does a short one after it', () => {
  const huge = `{{ ${'x ~ '.repeat(40_000)}'end' }}`;
  const r = parse(huge);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.template.body.length, 1);
  for (const c of cases.slice(0, 20)) {
    const expected = tree(c.text);
    parse(huge);
    assert.equal(tree(c.text), expected, c.name);
  }
});

test('truncated tags read past their end as the end of the template, whatever came before', () => {
  const long = '{{ ' + 'f(a, b, c) ~ '.repeat(200) + "'z' }}";
  for (const text of ['{{', '{%', '{% if', '{{ a.', '{{ f(', '{% for x in', '{% set x =', '{{ x |', '{{ x is']) {
    const first = tree(text);
    tree(long);
    assert.equal(tree(text), first, text);
  }
});
