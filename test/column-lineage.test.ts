/** Column lineage from compiled SQL: through aliases, functions, aggregates and CTEs; never a guess. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnLineage } from '../server/src/analysis/column-lineage';

const edges = (sql: string): string[] | undefined => columnLineage(sql)?.map((e) => `${e.fromTable}.${e.fromColumn} -> ${e.toColumn}`).sort();

describe('column lineage', () => {
  it('aliases, expressions and aggregates', () => {
    assert.deepEqual(edges('select o.id as order_id, round(o.qty * o.price, 2) as amount, sum(o.qty) as total from "db"."s"."orders" as o group by all'), [
      '"db"."s"."orders".id -> order_id',
      '"db"."s"."orders".price -> amount',
      '"db"."s"."orders".qty -> amount',
      '"db"."s"."orders".qty -> total',
    ]);
  });

  it('through CTEs and joins', () => {
    assert.deepEqual(edges('with c as (select id, upper(city) as town from `cat`.`s`.`users`) select c.town, p.name as product from c join "db"."s"."products" p on c.id = p.id'), ['"cat"."s"."users".city -> town', '"db"."s"."products".name -> product']);
  });

  it('unqualified columns only when one table is read; nothing is guessed across joins', () => {
    assert.deepEqual(edges('select id from "db"."s"."t"'), ['"db"."s"."t".id -> id']);
    assert.deepEqual(edges('select id from "db"."s"."a" join "db"."s"."b" using (id)'), []);
  });

  it('SQL the parser cannot read gives no edges, not wrong ones', () => {
    assert.equal(columnLineage('select from where {{'), undefined);
  });
});
