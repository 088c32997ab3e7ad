/** dbt's selector syntax over the sample project: each row is a selector and the nodes it must pick. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { selectNodes } from '../server/src/core/selector';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';

const analysis = analyzeProject(new NodeFileHost(), testPath('..', 'models'));
const { graph } = analysis;

function names(select: string[], exclude: string[] = [], resourceTypes = ['model', 'seed', 'snapshot', 'source']): string[] {
  const { ids, problems } = selectNodes(graph, { select, exclude, resourceTypes });
  assert.deepEqual(problems, []);
  return [...ids].map((id) => graph.node(id)!).map((n) => (n.resourceType === 'source' ? `${n.source!.sourceName}.${n.name}` : n.name)).sort();
}

const cases: Array<[string, string[], string[], string[]]> = [
  ['plain name', ['silver_orders'], [], ['silver_orders']],
  ['ancestors', ['+silver_orders'], [], ['bronze_orders', 'landing.orders', 'silver_orders']],
  ['descendants', ['silver_orders+'], [], ['gold_daily_sales', 'silver_orders']],
  ['depth-limited both ways', ['1+silver_products+1'], [], ['gold_daily_avg_rating', 'gold_daily_sales', 'gold_product_categories', 'products_snapshot', 'silver_products']],
  // silver_users → gold_daily_sales → the sales_dashboard exposure, which also reads gold_product_categories (dbt agrees: selector goldens).
  ['@ (descendants and their ancestors)', ['@silver_users'], [], ['bronze_orders', 'bronze_users', 'gold_daily_sales', 'gold_product_categories', 'landing.orders', 'landing.products', 'landing.users', 'product_categories', 'products_snapshot', 'silver_orders', 'silver_products', 'silver_users']],
  ['tag', ['tag:gold'], [], ['gold_daily_avg_rating', 'gold_daily_sales', 'gold_product_categories']],
  ['path folder', ['path:models/silver'], [], ['silver_orders', 'silver_products', 'silver_reviews', 'silver_users']],
  ['path inferred from a slash', ['models/gold/gold_daily_sales.sql'], [], ['gold_daily_sales']],
  ['layer', ['layer:bronze'], [], ['bronze_orders', 'bronze_products', 'bronze_reviews', 'bronze_users', 'products_snapshot']],
  ['layer landing = sources', ['layer:landing'], [], ['landing.orders', 'landing.products', 'landing.reviews', 'landing.users']],
  ['config.materialized', ['config.materialized:incremental'], [], ['bronze_orders']],
  ['fqn folder', ['silver'], [], ['silver_orders', 'silver_products', 'silver_reviews', 'silver_users']],
  ['fqn dotted with package', ['medallion_retail.gold.gold_daily_sales'], [], ['gold_daily_sales']],
  ['glob on name', ['silver_*'], [], ['silver_orders', 'silver_products', 'silver_reviews', 'silver_users']],
  ['source method', ['source:landing.orders+1'], [], ['bronze_orders', 'landing.orders']],
  ['resource type', ['resource_type:seed'], [], ['product_categories']],
  ['union (space)', ['silver_orders silver_users'], [], ['silver_orders', 'silver_users']],
  ['intersection (comma)', ['tag:silver,config.materialized:table'], [], ['silver_orders', 'silver_products', 'silver_reviews', 'silver_users']],
  ['intersection narrows', ['+gold_daily_sales,layer:bronze'], [], ['bronze_orders', 'bronze_users', 'products_snapshot']],
  ['exclude', ['layer:silver'], ['silver_users silver_reviews'], ['silver_orders', 'silver_products']],
  ['exclude with graph operator', ['+gold_daily_sales'], ['+silver_products'], ['bronze_orders', 'bronze_users', 'gold_daily_sales', 'landing.orders', 'landing.users', 'silver_orders', 'silver_users']],
];

describe('selectors (dbt syntax) on the sample project', () => {
  for (const [title, select, exclude, expected] of cases) {
    it(`${title}: ${select.join(' ')}${exclude.length ? ` --exclude ${exclude.join(' ')}` : ''}`, () => {
      assert.deepEqual(names(select, exclude), expected);
    });
  }

  it('tests come with their model (eager indirect selection), and go with an excluded one', () => {
    const { ids } = selectNodes(graph, { select: ['silver_reviews'] });
    const tests = [...ids].map((id) => graph.node(id)!).filter((n) => n.resourceType === 'test').map((n) => n.name).sort();
    assert.deepEqual(tests, ['accepted_values_silver_reviews_rating__False__1__2__3__4__5', 'not_null_silver_reviews_id', 'not_null_silver_reviews_review_date', 'unique_silver_reviews_id']);
    const { ids: excluded } = selectNodes(graph, { select: ['layer:silver'], exclude: ['silver_reviews'] });
    assert.ok(![...excluded].some((id) => id.includes('silver_reviews')));
  });

  it('explains bad selectors instead of failing', () => {
    assert.deepEqual(selectNodes(graph, { select: ['colour:red'] }).problems, ["Unknown selector method 'colour' in 'colour:red' (known: fqn, tag, path, file, layer, resource_type, source, package, test_name, test_type, unit_test, config, result, source_status, exposure, state, config.<key>)"]);
    assert.deepEqual(selectNodes(graph, { select: ['no_such_model'] }).problems, ["The selector 'no_such_model' does not match any enabled node"]);
    assert.deepEqual(selectNodes(graph, { select: ['@+x'] }).problems, ["'@' cannot be combined with '+' in '@+x'"]);
  });
});

describe('graph on the sample project', () => {
  it('loads with no problems', () => {
    assert.deepEqual(analysis.diagnostics.map((d) => `${d.file}: ${d.message}`), []);
  });

  it('upstream and downstream carry their depth', () => {
    const up = graph.upstream('model.medallion_retail.gold_daily_sales');
    assert.equal(up.get('model.medallion_retail.silver_orders'), 1);
    assert.equal(up.get('model.medallion_retail.bronze_orders'), 2);
    assert.equal(up.get('source.medallion_retail.landing.orders'), 3);
    const down = graph.downstream('source.medallion_retail.landing.products', 2);
    assert.deepEqual([...down.entries()].filter(([id]) => !id.startsWith('test.')).sort(), [
      ['model.medallion_retail.bronze_products', 1],
      ['model.medallion_retail.silver_products', 2],
      ['snapshot.medallion_retail.products_snapshot', 1],
    ]);
  });

  it('every model has its layer, and the medallion order holds', () => {
    const order = ['landing', 'seed', 'bronze', 'silver', 'gold'];
    for (const node of analysis.project.nodes.values()) {
      if (node.resourceType !== 'model' && node.resourceType !== 'snapshot' && node.resourceType !== 'source') continue;
      assert.ok(node.layer, `${node.name} has no layer`);
      for (const parent of node.dependsOn) {
        const p = graph.node(parent)!;
        assert.ok(order.indexOf(p.layer!) <= order.indexOf(node.layer!), `${node.name} (${node.layer}) reads ${p.name} (${p.layer})`);
      }
    }
  });

  it('topological order puts parents first', () => {
    const order = graph.topologicalOrder();
    const at = new Map(order.map((id, i) => [id, i]));
    for (const node of analysis.project.nodes.values()) for (const p of node.dependsOn) assert.ok(at.get(p)! < at.get(node.uniqueId)!);
  });
});
