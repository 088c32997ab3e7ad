import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRoot } from '../server/src/core/collation';
import { editDistance, LineIndex, NameIndex, suggest } from '../server/src/core/text';

/** The textbook full-matrix Levenshtein, as the reference for the banded one. */
function reference(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d[i] = [i];
    for (let j = 1; j <= b.length; j++) d[i]![j] = i === 0 ? j : Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

describe('text utilities', () => {
  it('banded edit distance equals the full one (or says "over the limit")', () => {
    let seed = 1;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let k = 0; k < 50000; k++) {
      const word = (): string => Array.from({ length: rand(10) }, () => 'abcde_'[rand(6)]).join('');
      const a = word();
      const b = word();
      const limit = rand(5);
      const full = reference(a, b);
      assert.equal(editDistance(a, b, limit), full <= limit ? full : limit + 1, `${a} ${b} ${limit}`);
      assert.equal(editDistance(a, b), full);
    }
  });

  it('the bit-parallel distance (names up to 32 characters) equals the full one, at every length around its word size', () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const word = (length: number): string => Array.from({ length }, () => 'abcdE_é1\u{1F600}'[rand(10)]).join('');
    for (let k = 0; k < 20000; k++) {
      // Lengths 0 to 40 (31, 32 and 33 among them); b often a small edit of a.
      const a = word(rand(41));
      const b = rand(2) === 0 ? word(rand(41)) : a.slice(0, rand(a.length + 1)) + word(rand(4)) + a.slice(rand(a.length + 1));
      const limit = rand(3) === 0 ? Infinity : rand(12);
      const full = reference(a, b);
      assert.equal(editDistance(a, b, limit), full <= limit ? full : limit + 1, `${a} ${b} ${limit}`);
    }
  });

  it('suggestions (with their bag-distance shortcut) equal a plain scan with the full distance', () => {
    let seed = 3;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    // A quarter of the names over 32 characters (the cell-by-cell distance and its bag-distance filter, ASCII names only).
    const word = (): string => {
      const alphabet = rand(2) === 0 ? 'abcdE_é1' : 'abcdE_1';
      return Array.from({ length: rand(4) === 0 ? 30 + rand(12) : 1 + rand(14) }, () => alphabet[rand(alphabet.length)]).join('');
    };
    const plain = (name: string, candidates: string[], max = 3): string[] => {
      const limit = Math.max(1, Math.floor(name.length / 3));
      return candidates
        .map((c) => [reference(name.toLowerCase(), c.toLowerCase()), c] as const)
        .filter(([d]) => d <= limit)
        .sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]))
        .slice(0, max)
        .map(([, c]) => c);
    };
    for (let k = 0; k < 3000; k++) {
      const name = word();
      // A few edits of the name (near the limit, where the bag distance alone decides), a prefix of it with more, or another name.
      const edited = (): string => {
        let s = name;
        for (let e = 1 + rand(Math.max(1, Math.floor(name.length / 3)) + 1); e > 0; e--) {
          const at = rand(s.length + 1);
          s = s.slice(0, at) + 'xyE_'[rand(4)] + s.slice(at + rand(2));
        }
        return s;
      };
      const candidates = Array.from({ length: 20 }, () => (rand(3) === 0 ? name.slice(0, rand(name.length + 1)) + word().slice(0, 2) : rand(2) === 0 ? edited() : word()));
      const all = plain(name, candidates, 20);
      assert.deepEqual(suggest(name, candidates), all.slice(0, 3), `${name} among ${candidates.join(',')}`);
      assert.deepEqual(suggest(name, candidates, 20), all, `all within the limit: ${name} among ${candidates.join(',')}`);
    }
  });

  it('suggestions: nearest first, none when nothing is close', () => {
    assert.deepEqual(suggest('bronze_order', ['silver_orders', 'bronze_users', 'bronze_orders']), ['bronze_orders', 'bronze_users']);
    assert.deepEqual(suggest('xyz', ['bronze_orders']), []);
  });

  it('suggestions from a name index (remembered per name: a macro edit asks for one unknown name in thousands of nodes) equal those from the list, asked again or with another max', () => {
    const names = ['bronze_orders', 'bronze_users', 'silver_orders', 'silver_order_items', 'gold_sales'];
    const index = new NameIndex(names);
    for (const name of ['bronze_order', 'silver_ordrs', 'xyz', 'gold_sale', 'bronze_order']) {
      for (const max of [1, 3]) {
        const first = suggest(name, index, max);
        assert.deepEqual(first, suggest(name, names, max), `${name} max ${max}`);
        first.push('changed by the caller');
        assert.deepEqual(suggest(name, index, max), suggest(name, names, max), 'each caller gets its own list');
      }
    }
    assert.ok(index.suggested.size > 0, 'remembered');
  });

  it('warming a name index (idle time after a load) remembers nothing and changes no answer; many equally close names keep the list order among ties', () => {
    const names = Array.from({ length: 500 }, (_, i) => `silver_model_${(i * 7919) % 1000}`);
    const index = new NameIndex(names);
    index.warm();
    assert.equal(index.suggested.size, 0);
    // The answer as a full sort gives it: distance, then the root collation, then list order.
    const sorted = (name: string, max: number): string[] => {
      const limit = Math.max(1, Math.floor(name.length / 3));
      return names
        .map((c, i) => [editDistance(name, c), c, i] as const)
        .filter(([d]) => d <= limit)
        .sort((x, y) => x[0] - y[0] || compareRoot(x[1], y[1]) || x[2] - y[2])
        .slice(0, max)
        .map(([, c]) => c);
    };
    for (const name of ['silver_model_9', 'silver_modl_12', 'no_such_silver_model_7', 'gold']) {
      for (const max of [1, 3, 10]) {
        assert.deepEqual(suggest(name, index, max), sorted(name, max), `${name} max ${max}`);
        assert.deepEqual(suggest(name, names, max), sorted(name, max), `${name} max ${max}, from the list`);
      }
    }
    assert.ok(sorted('silver_model_9', 100).length > 50, 'many names are equally close to a prefix');
  });

  it('suggestions from a name index over names of many lengths (searched nearest length first, farther lengths skipped) equal those from the list', () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const word = (length: number): string => Array.from({ length }, () => 'abcde_'[rand(6)]).join('');
    const names = Array.from({ length: 400 }, () => word(3 + rand(20)));
    const index = new NameIndex(names);
    for (let k = 0; k < 300; k++) {
      // A name near one of the list (edited, cut or grown) or a random one.
      const near = names[rand(names.length)]!;
      const name = k % 3 === 0 ? word(2 + rand(24)) : k % 3 === 1 ? near.slice(rand(3)) + word(rand(3)) : near.toUpperCase().replace(/./, 'x');
      for (const max of [1, 2, 5]) assert.deepEqual(suggest(name, index, max), suggest(name, names, max), `${name} max ${max}`);
    }
  });

  it('a name index bounds the bag distance from counts made once per name: names with characters outside ASCII, upper case, a character more than 255 times, get the answer of the full table', () => {
    let seed = 11;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const word = (length: number): string => Array.from({ length }, () => 'aabcÉé_Z'[rand(8)]).join('');
    const names = [...Array.from({ length: 300 }, () => word(2 + rand(14))), 'a'.repeat(300), `${'a'.repeat(299)}b`, 'b'.repeat(300), 'ÉÉÉ', 'ééé', 'zürich_orders', 'café_sales', 'naïve_model_ß'];
    const index = new NameIndex(names);
    const full = (name: string, max: number): string[] => {
      const lower = name.toLowerCase();
      const limit = Math.max(1, Math.floor(name.length / 3));
      return names
        .map((c, i) => [editDistance(lower, c.toLowerCase()), c, i] as const)
        .filter(([d]) => d <= limit)
        .sort((x, y) => x[0] - y[0] || compareRoot(x[1], y[1]) || x[2] - y[2])
        .slice(0, max)
        .map(([, c]) => c);
    };
    const asked = ['a'.repeat(290), `${'a'.repeat(280)}${'b'.repeat(20)}`, 'éé', 'ÉÉÉÉ', 'eee', 'zurich_orders', 'Cafe_Sales', 'naive_model_s'];
    for (let k = 0; k < 300; k++) {
      const near = names[rand(names.length)]!;
      // A random name, one near a listed one, or one in ASCII near a listed one (the names outside ASCII give it no bound).
      asked.push(k % 3 === 0 ? word(1 + rand(16)) : k % 3 === 1 ? near.slice(rand(2)) + word(rand(3)) : near.replace(/[^\x00-\x7f]/g, 'e'));
    }
    for (const name of asked) for (const max of [1, 3]) assert.deepEqual(suggest(name, index, max), full(name, max), `${name} max ${max}`);
  });

  it('line index round-trips offsets and positions', () => {
    const index = new LineIndex('ab\ncde\n\nf');
    for (let offset = 0; offset <= 9; offset++) assert.equal(index.offset(index.position(offset)), offset);
    assert.deepEqual(index.position(4), { line: 1, character: 1 });
  });
});
