/**
 * core/collation.ts orders paths as ICU's root collation does (what diagnostics are sorted by),
 * mostly without building a collator: checked against Intl.Collator('und') on every pair of short
 * strings over the characters it handles itself, and on seeded random paths that mix in characters
 * it hands to ICU (accents, spaces, other punctuation).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRoot } from '../server/src/core/collation';
import { mulberry32 } from '../server/src/sample/generator';

const icu = new Intl.Collator('und');
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

function agrees(a: string, b: string): void {
  assert.equal(compareRoot(a, b), sign(icu.compare(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

describe('root collation without ICU', () => {
  it('agrees with Intl.Collator on every pair of strings up to two characters over the handled ones', () => {
    const alphabet = [...'_-./09aAbBzZ'];
    const strings = [''];
    for (const a of alphabet) {
      strings.push(a);
      for (const b of alphabet) strings.push(a + b);
    }
    for (const a of strings) for (const b of strings) agrees(a, b);
  });

  it('agrees with Intl.Collator on seeded random paths, handled characters or not', () => {
    const next = mulberry32(20261207);
    const handled = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./';
    const others = ['é', 'É', ' ', '#', '~', 'ß', '\u0301', '@', 'ø', '😀'];
    const path = (mixed: boolean): string => {
      const length = 1 + Math.floor(next() * 12);
      let s = next() < 0.5 ? 'models/' : '';
      for (let i = 0; i < length; i++) s += mixed && next() < 0.1 ? others[Math.floor(next() * others.length)] : handled[Math.floor(next() * handled.length)];
      return s;
    };
    for (let i = 0; i < 20_000; i++) {
      const a = path(i % 3 === 0);
      // Often a near neighbour of a: a shared prefix, a changed case, one character more.
      const r = next();
      const b = r < 0.3 ? a.toUpperCase() : r < 0.5 ? a.slice(0, -1) + handled[Math.floor(next() * handled.length)] : r < 0.6 ? a + '_' : path(i % 3 === 1);
      agrees(a, b);
    }
  });

  it('sorts diagnostics files as localeCompare does under an English locale', () => {
    const files = ['models/b.sql', 'models/a_b.sql', 'models/a-b.sql', 'models/A.sql', 'models/ab.sql', 'models/aB.sql', 'models/a1.sql', 'macros/x.sql', 'dbt_project.yml', 'models/staging/schema.yml'];
    const english = new Intl.Collator('en');
    assert.deepEqual([...files].sort(compareRoot), [...files].sort(english.compare));
  });
});
