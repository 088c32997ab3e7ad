import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { COLUMNS, csvField, generateLanding } from '../server/src/sample/generator';

/** Minimal RFC 4180 parser (quoted fields may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') {
      assert.equal(field, '', `quote inside an unquoted field at offset ${i}`);
      quoted = true; i++; continue;
    }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    assert.notEqual(c, '\r', 'no CR line endings');
    field += c; i++;
  }
  assert.equal(quoted, false, 'unterminated quoted field');
  assert.equal(field, '', 'file must end with a newline');
  assert.equal(row.length, 0, 'file must end with a newline');
  return rows;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'medallion-gen-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function table(dir: string, name: keyof typeof COLUMNS, batch = 1): Promise<string[][]> {
  const file = path.join(dir, name, `${name}_${String(batch).padStart(4, '0')}.csv`);
  const rows = parseCsv(await readFile(file, 'utf8'));
  assert.deepEqual(rows[0], COLUMNS[name], `${name} header`);
  for (const r of rows) assert.equal(r.length, COLUMNS[name].length, `${name} row width: ${r.join('|')}`);
  return rows.slice(1);
}

const TS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const MONEY = /^\d+\.\d\d$/;

test('default scale: file layout, row counts, value formats', async () => {
  await withTempDir(async (dir) => {
    const res = await generateLanding({ outDir: dir });
    assert.deepEqual(res.rows, { orders: 2100, products: 200, reviews: 1100, users: 2500 });
    assert.deepEqual(
      res.files.map((f) => path.relative(dir, f)),
      ['orders/orders_0001.csv', 'products/products_0001.csv', 'reviews/reviews_0001.csv', 'users/users_0001.csv'],
    );
    assert.deepEqual((await readdir(dir)).sort(), ['orders', 'products', 'reviews', 'users'], 'no temp folder left');

    const orders = await table(dir, 'orders');
    assert.equal(orders.length, 2100);
    orders.forEach((r, i) => {
      assert.equal(r[0], String(i + 1));
      assert.match(r[1]!, TS);
      const user = Number(r[2]);
      assert.ok(user >= 1 && user <= 300, `user_id ${user}`);
      const product = Number(r[3]);
      assert.ok(product >= 1 && product <= 200, `product_id ${product}`);
      const q = Number(r[4]);
      assert.ok(Number.isInteger(q) && q >= 0 && q <= 68, `quantity ${q}`);
      assert.match(r[5]!, MONEY);
    });

    const products = await table(dir, 'products');
    assert.equal(products.length, 200);
    assert.deepEqual(new Set(products.map((r) => r[3])), new Set(['Gadget', 'Gizmo', 'Doohickey', 'Widget']));
    for (const r of products) {
      assert.match(r[4]!, /^\d{13}$/);
      assert.match(r[6]!, MONEY);
    }

    const reviews = await table(dir, 'reviews');
    assert.equal(reviews.length, 1100);
    for (const r of reviews) assert.ok(['1', '2', '3', '4', '5'].includes(r[4]!));

    const users = await table(dir, 'users');
    assert.equal(users.length, 2500);
    for (const r of users) {
      assert.match(r[6]!, /^[1-9]\d{4}$/, 'zip');
      assert.match(r[7]!, /^\d{4}-\d\d-\d\d$/, 'birth_date');
      assert.ok(['Affiliate', 'Facebook', 'Google', 'Organic', 'Twitter'].includes(r[8]!));
    }
  });
});

test('same seed gives the same bytes; another seed does not', async () => {
  await withTempDir(async (dir) => {
    const a = await generateLanding({ outDir: path.join(dir, 'a'), seed: 7, orders: 500 });
    const b = await generateLanding({ outDir: path.join(dir, 'b'), seed: 7, orders: 500 });
    const c = await generateLanding({ outDir: path.join(dir, 'c'), seed: 8, orders: 500 });
    for (let i = 0; i < a.files.length; i++) {
      const bytesA = await readFile(a.files[i]!);
      assert.ok(bytesA.equals(await readFile(b.files[i]!)), `${path.basename(a.files[i]!)} differs between runs`);
      assert.ok(!bytesA.equals(await readFile(c.files[i]!)), `${path.basename(a.files[i]!)} ignores the seed`);
    }
  });
});

test('batch 2 holds only new orders and reviews: later timestamps, fresh ids', async () => {
  await withTempDir(async (dir) => {
    await generateLanding({ outDir: dir, orders: 1000 });
    const res2 = await generateLanding({ outDir: dir, orders: 300, batch: 2 });
    assert.deepEqual(res2.rows, { orders: 300, reviews: Math.round((300 * 1100) / 2100) });
    assert.deepEqual(res2.files.map((f) => path.relative(dir, f)), ['orders/orders_0002.csv', 'reviews/reviews_0002.csv']);
    const res3 = await generateLanding({ outDir: dir, orders: 200, batch: 3 });
    assert.equal(res3.rows.orders, 200);

    for (const name of ['orders', 'reviews'] as const) {
      const b1 = await table(dir, name, 1);
      const b2 = await table(dir, name, 2);
      const b3 = await table(dir, name, 3);
      const maxTs = (rows: string[][]) => rows.reduce((m, r) => (r[1]! > m ? r[1]! : m), '');
      const minTs = (rows: string[][]) => rows.reduce((m, r) => (r[1]! < m ? r[1]! : m), '9999');
      assert.ok(minTs(b2) > maxTs(b1), `${name}: batch 2 starts ${minTs(b2)}, batch 1 ends ${maxTs(b1)}`);
      assert.ok(minTs(b3) > maxTs(b2), `${name}: batch 3 starts ${minTs(b3)}, batch 2 ends ${maxTs(b2)}`);
      const ids = [...b1, ...b2, ...b3].map((r) => Number(r[0]));
      ids.forEach((id, i) => assert.equal(id, i + 1, `${name}: ids continue without gaps or repeats`));
    }
  });
});

test('batch 2 without batch 1 on disk still continues ids and time', async () => {
  await withTempDir(async (dir) => {
    await generateLanding({ outDir: dir, orders: 400, batch: 2 });
    const orders = await table(dir, 'orders', 2);
    assert.equal(orders[0]![0], '401');
    assert.ok(orders[0]![1]! >= '2025-01-01 00:00:00');
  });
});

test('CSV quoting: commas, quotes and non-ASCII survive a round trip', async () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a, b'), '"a, b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  await withTempDir(async (dir) => {
    await generateLanding({ outDir: dir });
    const raw = await readFile(path.join(dir, 'reviews', 'reviews_0001.csv'), 'utf8');
    const bodies = (await table(dir, 'reviews')).map((r) => r[5]!);
    assert.ok(bodies.some((b) => b.includes(',')), 'some body holds a comma');
    assert.ok(bodies.some((b) => b.includes('"')), 'some body holds a double quote');
    assert.ok(bodies.some((b) => !/[",]/.test(b)), 'some body needs no quoting');
    assert.ok(bodies.some((b) => /[^\x00-\x7f]/.test(b)), 'some body is non-ASCII');
    assert.ok(raw.includes('""'), 'quotes are doubled in the file');
    const names = (await table(dir, 'users')).map((r) => r[2]!);
    assert.ok(names.some((n) => n.includes("'")), "some name holds an apostrophe (O'Keefe)");
  });
});

test('streams across chunk boundaries (1 MiB buffer) without losing rows', async () => {
  await withTempDir(async (dir) => {
    const res = await generateLanding({ outDir: dir, orders: 60_000, reviews: 30_000 });
    const orders = await table(dir, 'orders');
    assert.equal(orders.length, 60_000);
    assert.equal(res.rows.orders, 60_000);
    let prev = '';
    orders.forEach((r, i) => {
      assert.equal(r[0], String(i + 1));
      assert.ok(r[1]! >= prev, 'created_at never goes backwards');
      prev = r[1]!;
    });
    assert.equal((await table(dir, 'reviews')).length, 30_000);
  });
});
