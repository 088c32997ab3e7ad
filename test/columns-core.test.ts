/**
 * The column model's pure parts: the compiled→source span map (marked templates), and column
 * lineage and references resolved over DuckDB's own parse tree (`json_serialize_sql` of real
 * queries, read by DuckDB in the test; the resolution itself is pure).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ColumnRefId, OutputColumn } from '../server/src/core/columns/model';
import { analyzeQuery, asRelationColumns, byteOffsetConverter, identifierChain, type RelationLookup } from '../server/src/core/columns/query';
import { SpanMap } from '../server/src/core/columns/span-map';
import { DuckDbBinder } from '../server/src/engines/duckdb/binder';
import { parseMarkers } from './support/markers';

describe('span map: compiled SQL → model source', () => {
  // «» in the template marks where the compiled needle must map; `exact` says whether it is plain SQL there.
  const cases: Array<{ name: string; template: string; compiled: string; needle: string; exact: boolean }> = [
    {
      name: 'plain SQL after a rendered ref keeps its column',
      template: "select\n    id,\n    «amont» as amount\nfrom {{ ref('orders') }}",
      compiled: 'select\n    id,\n    amont as amount\nfrom "db"."main"."orders"',
      needle: 'amont',
      exact: true,
    },
    {
      name: 'a word rendered from a macro argument maps to that argument',
      template: "select {{ multiply('«quantty»', 'unit_price') }} as total\nfrom t",
      compiled: 'select round(quantty * unit_price, 2) as total\nfrom t',
      needle: 'quantty',
      exact: false,
      // (the argument itself: asserted below by the span's start)
    },
    {
      name: 'text after a Jinja comment and a whitespace-trimmed block',
      template: "{#- a comment with amount in it -#}\n{{ config(materialized='table') }}\n\nselect «x»\nfrom t",
      compiled: '\n\nselect x\nfrom t',
      needle: 'x',
      exact: true,
    },
    {
      name: 'a rendered expression maps to the Jinja that produced it',
      template: "select «{{ dbt.date_trunc('month', 'o.day') }}» as m from t as o",
      compiled: "select date_trunc('month', o.day) as m from t as o",
      needle: "date_trunc('month'",
      exact: false,
    },
    {
      name: 'a snapshot block: the region inside the block',
      template: "{% snapshot s %}\n{{ config(unique_key='id') }}\nselect «idd» from {{ source('a', 'b') }}\n{% endsnapshot %}",
      compiled: '\n\nselect idd from "db"."a"."b"\n',
      needle: 'idd',
      exact: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { text, spans } = parseMarkers(c.template);
      const expected = spans[0]!;
      const region = text.startsWith('{% snapshot') ? { start: text.indexOf('%}') + 2, end: text.lastIndexOf('{%') } : undefined;
      const map = new SpanMap(text, c.compiled, region);
      const at = c.compiled.indexOf(c.needle);
      const pos = map.toSource(at);
      assert.equal(pos.exact, c.exact, `${c.needle} → ${text.slice(pos.offset, pos.offset + 12)}`);
      if (!c.exact) assert.ok(pos.offset >= expected.start && pos.offset < expected.end, 'inside the Jinja that produced it');
      else assert.equal(pos.offset, expected.start);
      if (c.exact) assert.deepEqual(map.toCompiled({ start: expected.start, end: expected.end }), { start: at, end: at + (expected.end - expected.start) });
    });
  }

  it('a large model with a small rendered difference aligns quickly and exactly', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `    col_${i},`).join('\n');
    const template = `select\n${body}\n    {{ m('x') }} as last\nfrom {{ ref('t') }}`;
    const compiled = `select\n${body}\n    round(x, 2) as last\nfrom "db"."main"."t"`;
    const started = performance.now();
    const map = new SpanMap(template, compiled);
    const probe = compiled.indexOf('col_2999');
    assert.equal(map.toSource(probe).offset, template.indexOf('col_2999'));
    assert.ok(map.aligned);
    assert.ok(performance.now() - started < 500);
  });

  it('byte offsets (DuckDB positions) → UTF-16 offsets', () => {
    const sql = "select 'éé', x from t";
    assert.equal(byteOffsetConverter(sql)(Buffer.byteLength("select 'éé', ", 'utf8')), sql.indexOf('x'));
    assert.deepEqual(
      identifierChain('select "My Col" . b.c from t', 7).map((p) => p.name),
      ['My Col', 'b', 'c'],
    );
  });
});

describe('column lineage over DuckDB parse trees', () => {
  let duck: DuckDbBinder;
  before(async () => {
    duck = await DuckDbBinder.open({ name: 't', type: 'duckdb', database: 'memory', schema: 'main', threads: 1, settings: {} } as never, '/nonexistent');
  });
  after(async () => {
    await duck.close();
  });

  const relations: Record<string, OutputColumn[]> = {
    orders: [{ name: 'id', type: 'BIGINT' }, { name: 'customer_id', type: 'BIGINT' }, { name: 'amount', type: 'DECIMAL(10,2)' }, { name: 'info', type: 'STRUCT(a INTEGER)' }],
    customers: [{ name: 'id', type: 'BIGINT' }, { name: 'name', type: 'VARCHAR' }],
  };
  const lookup: RelationLookup = ({ table }) => (relations[table] ? { nodeId: `model.p.${table}`, columns: asRelationColumns(`model.p.${table}`, relations[table]) } : undefined);
  const fmt = (refs: ColumnRefId[] | undefined): string => (refs ? refs.map((r) => `${r.nodeId.split('.').pop()}.${r.column}`).sort().join('+') : '?');

  const cases: Array<{ sql: string; lineage: string[]; references?: string[] }> = [
    { sql: 'select id, amount * 2 as double_amount from orders', lineage: ['orders.id', 'orders.amount'] },
    {
      sql: 'with o as (select id, customer_id as cid, amount from orders), c as (select * from customers) select c.name, sum(o.amount) as total from o join c on o.cid = c.id group by all',
      lineage: ['customers.name', 'orders.amount'],
      references: ['o.cid→orders.customer_id', 'c.id→customers.id', 'c.name→customers.name', 'o.amount→orders.amount'],
    },
    { sql: 'select * from orders join customers using (id)', lineage: ['customers.id+orders.id', 'orders.customer_id', 'orders.amount', 'orders.info', 'customers.name'] },
    { sql: 'select o.* exclude (info), c.name as customer from orders o left join customers c on o.customer_id = c.id', lineage: ['orders.id', 'orders.customer_id', 'orders.amount', 'customers.name'] },
    { sql: 'select id from orders union all select id from customers', lineage: ['customers.id+orders.id'] },
    // A scalar subquery's value comes from its output column; its filter columns are not lineage.
    { sql: 'select info.a as a, (select max(name) from customers c where c.id = o.customer_id) as n from orders o', lineage: ['orders.info', 'customers.name'] },
    { sql: 'select amount as a, a * 2 as b from orders', lineage: ['orders.amount', 'orders.amount'] },
    { sql: 'select list_transform([1, 2], x -> x + amount) as l from orders', lineage: ['orders.amount'], references: ['amount→orders.amount'] },
    { sql: 'select sub.total from (select customer_id, sum(amount) as total from orders group by 1) as sub', lineage: ['orders.amount'] },
    { sql: 'select r.x from read_csv(\'/nonexistent.csv\') as r', lineage: ['?'] },
  ];
  for (const c of cases) {
    it(c.sql, async () => {
      const tree = await duck.parseTree(c.sql);
      const info = analyzeQuery(tree, c.sql, lookup);
      assert.ok(info);
      assert.deepEqual(info.lineage.map(fmt), c.lineage);
      if (c.references) {
        const got = info.references.map((r) => `${r.qualifier ? `${r.qualifier}.` : ''}${r.name}→${fmt(r.from)}`);
        for (const want of c.references) assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
        for (const r of info.references) if (r.from) assert.equal(c.sql.slice(r.span.start, r.span.end).replace(/"/g, ''), r.name);
      }
    });
  }

  it('star expansion lists the columns as they must be written', async () => {
    const sql = 'select * from orders as o join customers as c on o.customer_id = c.id';
    const info = analyzeQuery(await duck.parseTree(sql), sql, lookup)!;
    assert.deepEqual(info.stars.map((s) => [sql.slice(s.span.start, s.span.end), s.columns.join(', ')]), [['*', 'o.id, o.customer_id, o.amount, o.info, c.id, c.name']]);
    const qualified = 'select o.*, c.name from orders as o join customers as c on o.customer_id = c.id';
    const q = analyzeQuery(await duck.parseTree(qualified), qualified, lookup)!;
    assert.deepEqual(q.stars.map((s) => [qualified.slice(s.span.start, s.span.end), s.columns.join(', ')]), [['o.*', 'id, customer_id, amount, info']]);
  });

  it('outputs do not line up with the binder\'s columns: no lineage is claimed', async () => {
    const sql = 'select * from unknown_table';
    const info = analyzeQuery(await duck.parseTree(sql), sql, lookup, [{ name: 'a', type: 'INTEGER' }])!;
    assert.deepEqual(info.lineage, [undefined]);
  });
});
