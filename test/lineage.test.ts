/**
 * Lineage at the core boundary (core/lineage.ts), layers a project configures the way dbt accepts
 * (core/graph.ts), the Models tree by layer or folder (core/model-tree.ts), and what the lineage
 * view decides to draw (client/src/webview/lineage-model.ts): fixture projects in memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';
import { MemoryHost } from '../server/src/core/host';
import { completionsAt } from '../server/src/core/ide';
import { lineageAround } from '../server/src/core/lineage';
import { folderTree, modelTree } from '../server/src/core/model-tree';
import { drawnGraph, emptyKnown, learn, type ViewState } from '../client/src/webview/lineage-model';
import type { LineageNode } from '../server/src/lsp/protocol';

/** A staging/intermediate/marts project without layers, with an exposure and tests. */
const FOLDERS: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nconfig-version: 2\nprofile: shop\n',
  'models/staging/_sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n      - name: customers\n',
  'models/staging/stg_orders.sql': "select * from {{ source('raw', 'orders') }}",
  'models/staging/stg_customers.sql': "select * from {{ source('raw', 'customers') }}",
  'models/staging/_stg.yml': 'version: 2\nmodels:\n  - name: stg_orders\n    columns:\n      - name: order_id\n        description: the id\n        data_tests: [unique, not_null]\n      - name: amount\n        data_type: decimal(10,2)\n',
  'models/intermediate/finance/int_payments.sql': "select * from {{ ref('stg_orders') }}",
  'models/marts/fct_orders.sql': "select * from {{ ref('int_payments') }} join {{ ref('stg_customers') }} using (customer_id)",
  'models/marts/dim_customers.sql': "select * from {{ ref('stg_customers') }}",
  'models/marts/_exposures.yml': "version: 2\nexposures:\n  - name: weekly_report\n    type: dashboard\n    owner: {name: Ana}\n    depends_on:\n      - ref('fct_orders')\n      - ref('dim_customers')\n",
  'seeds/countries.csv': 'code,name\nDE,Germany\n',
};

const analyse = (files: Record<string, string>) => analyzeProject(new MemoryHost(files, '/p'), '/p');

describe('lineage around a node (core)', () => {
  const analysis = analyse(FOLDERS);

  it('both directions by distance, exposures as leaves, tests on the node they test, edges among what is drawn', () => {
    const lineage = lineageAround(analysis, 'model.shop.int_payments')!;
    const drawn = lineage.nodes.map((n) => `${n.depth} ${n.resourceType}:${n.name}`).sort();
    assert.deepEqual(drawn, ['-1 model:stg_orders', '-2 source:raw.orders', '0 model:int_payments', '1 model:fct_orders', '2 exposure:weekly_report'].sort());
    assert.deepEqual(lineage.edges.map((e) => `${e.from} → ${e.to}`).sort(), [
      'model.shop.fct_orders → exposure.shop.weekly_report',
      'model.shop.int_payments → model.shop.fct_orders',
      'model.shop.stg_orders → model.shop.int_payments',
      'source.shop.raw.orders → model.shop.stg_orders',
    ]);
    const stg = lineage.nodes.find((n) => n.name === 'stg_orders')!;
    assert.deepEqual(stg.tests.map((t) => `${t.name}@${t.column}`).sort(), ['not_null_stg_orders_order_id@order_id', 'unique_stg_orders_order_id@order_id']);
    assert.deepEqual(stg.columns, [{ name: 'order_id', description: 'the id' }, { name: 'amount', type: 'decimal(10,2)' }]);
    // Counts in the whole project: what a view can still expand.
    const fct = lineage.nodes.find((n) => n.name === 'fct_orders')!;
    assert.deepEqual([fct.parents, fct.children], [2, 1]);
  });

  it('one direction, a depth, and folders as groups in a project without layers', () => {
    const up = lineageAround(analysis, 'model.shop.fct_orders', { direction: 'up', depth: 1 })!;
    assert.deepEqual(up.nodes.map((n) => n.name).sort(), ['fct_orders', 'int_payments', 'stg_customers']);
    assert.equal(up.layered, false);
    assert.deepEqual(Object.fromEntries(up.nodes.map((n) => [n.name, `${n.folder} ${n.group} ${n.layer}`])), {
      fct_orders: 'models/marts marts null',
      int_payments: 'models/intermediate/finance intermediate null',
      stg_customers: 'models/staging staging null',
    });
  });

  it('an exposure can be the focus; an unknown id has no lineage', () => {
    const lineage = lineageAround(analysis, 'exposure.shop.weekly_report', { depth: 1 })!;
    assert.deepEqual(lineage.nodes.map((n) => n.name).sort(), ['dim_customers', 'fct_orders', 'weekly_report']);
    assert.equal(lineageAround(analysis, 'model.shop.nope'), undefined);
    assert.equal(lineageAround(analysis, 'test.shop.unique_stg_orders_order_id.0'), undefined);
  });
});

describe('layers: configured as dbt accepts them, or none', () => {
  it('a project without layers: no layer anywhere (sources and seeds neither), no layer rule, folders in the tree', () => {
    const analysis = analyse(FOLDERS);
    assert.equal(analysis.graph.layered, false);
    assert.deepEqual([...analysis.project.nodes.values()].filter((n) => n.layer !== undefined).map((n) => n.name), []);
    assert.ok(!analysis.diagnostics.some((d) => d.code === 'layer-violation'));
    assert.deepEqual(modelTree(analysis), []);
    const show = (folders: ReturnType<typeof folderTree>, indent = ''): string[] => folders.flatMap((f) => [`${indent}${f.name} (${f.count})${f.nodes.length ? `: ${f.nodes.map((n) => n.name).join(', ')}` : ''}`, ...show(f.folders, `${indent}  `)]);
    assert.deepEqual(show(folderTree(analysis)), [
      'models (7)',
      '  intermediate (1)',
      '    finance (1): int_payments',
      '  marts (2): dim_customers, fct_orders',
      '  staging (4): raw.customers, raw.orders, stg_customers, stg_orders',
      'seeds (1): countries',
    ]);
  });

  it('layers from `vars: {medallion: {layers: [...]}}`: order, source layer and rules', () => {
    const analysis = analyse({
      ...FOLDERS,
      'dbt_project.yml':
        'name: shop\nconfig-version: 2\nvars:\n  medallion:\n    layers: [staging, intermediate, marts]\n    source_layer: raw\n    allowed_parents:\n      marts: [intermediate, marts]\nmodels:\n  shop:\n    staging: {+meta: {layer: staging}}\n    intermediate: {+meta: {layer: intermediate}}\n    marts: {+meta: {layer: marts}}\n',
    });
    assert.equal(analysis.graph.layered, true);
    assert.deepEqual(analysis.graph.layerNames, ['staging', 'intermediate', 'marts']);
    assert.equal(analysis.project.nodes.get('source.shop.raw.orders')!.layer, 'raw');
    // fct_orders reads stg_customers: marts may read only intermediate and marts.
    const violations = analysis.diagnostics.filter((d) => d.code === 'layer-violation').map((d) => d.message);
    assert.deepEqual(violations, ["marts model 'fct_orders' reads staging 'stg_customers'; marts may read only intermediate, marts", "marts model 'dim_customers' reads staging 'stg_customers'; marts may read only intermediate, marts"].sort((a, b) => (a.includes('fct') ? 1 : -1) - (b.includes('fct') ? 1 : -1)));
    assert.deepEqual(modelTree(analysis).map((l) => `${l.name} ${l.nodes.length}`), ['staging 2', 'intermediate 1', 'marts 2', 'other 3']);
  });

  it('the fixture configured only as dbt accepts it (no warning from the pinned dbt): our layers are dbt\'s meta.layer', () => {
    const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt-layers.json'), 'utf8')) as { warnings: string[]; layers: Record<string, string | null> };
    assert.deepEqual(golden.warnings, []);
    const analysis = analyzeProject(new NodeFileHost(), testPath('fixtures', 'layers'));
    for (const [id, layer] of Object.entries(golden.layers)) if (layer !== null) assert.equal(analysis.project.nodes.get(id)?.layer, layer, id);
    assert.deepEqual(analysis.graph.layerNames, ['staging', 'intermediate', 'marts']);
    assert.deepEqual(analysis.diagnostics.filter((d) => d.code === 'layer-violation').map((d) => d.message), ["marts model 'fct_shortcut' reads staging 'stg_orders'; marts may read only intermediate, marts"]);
  });

  it('layers only from `+meta: {layer: ...}`: ordered by the graph, no rules (no declared order)', () => {
    const analysis = analyse({
      ...FOLDERS,
      'dbt_project.yml': 'name: shop\nconfig-version: 2\nmodels:\n  shop:\n    marts: {+meta: {layer: marts}}\n    staging: {+meta: {layer: staging}}\n    intermediate: {+meta: {layer: intermediate}}\n',
    });
    assert.equal(analysis.graph.layered, true);
    assert.deepEqual(analysis.graph.layerNames.slice(4), ['staging', 'intermediate', 'marts']);
    assert.ok(!analysis.diagnostics.some((d) => d.code === 'layer-violation'));
    const lineage = lineageAround(analysis, 'model.shop.fct_orders', { depth: 1 })!;
    assert.equal(lineage.nodes.find((n) => n.name === 'int_payments')!.group, 'intermediate');
  });

  it('bronze/silver/gold folders are layers with the medallion rules', () => {
    const analysis = analyse({
      'dbt_project.yml': 'name: m\nconfig-version: 2\n',
      'models/sources.yml': 'version: 2\nsources:\n  - name: landing\n    tables:\n      - name: orders\n',
      'models/bronze/b.sql': "select * from {{ source('landing', 'orders') }}",
      'models/gold/g.sql': "select * from {{ ref('b') }}",
    });
    assert.equal(analysis.graph.layered, true);
    assert.equal(analysis.project.nodes.get('source.m.landing.orders')!.layer, 'landing');
    assert.deepEqual(analysis.diagnostics.filter((d) => d.code === 'layer-violation').map((d) => d.message), ["gold model 'g' reads bronze 'b'; gold may read only silver, gold, seed"]);
  });
});

describe('completion in a layered model ranks what the layer rules allow first', () => {
  it('a gold model: silver, then gold, then seeds; bronze last, saying why; no ranking without layers', () => {
    const files = {
      'dbt_project.yml': 'name: m\nconfig-version: 2\n',
      'models/bronze/b_orders.sql': 'select 1 as id',
      'models/silver/s_orders.sql': "select * from {{ ref('b_orders') }}",
      'models/gold/g_other.sql': "select * from {{ ref('s_orders') }}",
      'models/gold/g_sales.sql': "select * from {{ ref('') }}",
      'seeds/codes.csv': 'code\n1\n',
    };
    const analysis = analyse(files);
    const text = files['models/gold/g_sales.sql'];
    const items = completionsAt(analysis, text, text.indexOf("('") + 2, 'models/gold/g_sales.sql');
    const ranked = [...items].sort((a, b) => a.sortText!.localeCompare(b.sortText!)).map((i) => i.label);
    assert.deepEqual(ranked, ['s_orders', 'g_other', 'g_sales', 'codes', 'b_orders']);
    assert.match(items.find((i) => i.label === 'b_orders')!.detail!, /layer rules: gold may read only silver, gold, seed/);
    const flat = analyse(FOLDERS);
    const t = "select * from {{ ref('') }}";
    const plain = completionsAt(flat, t, t.indexOf("('") + 2, 'models/marts/fct_orders.sql');
    assert.ok(plain.every((i) => i.sortText === `0000${i.label}`), JSON.stringify(plain.map((i) => i.sortText)));
  });
});

describe('what the lineage view draws (webview model)', () => {
  const node = (id: string, extra: Partial<LineageNode> = {}): LineageNode => ({ id, name: id, resourceType: 'model', layer: null, materialized: 'view', file: `${id}.sql`, depth: 0, group: 'g', ...extra });
  const state = (over: Partial<ViewState> = {}): ViewState => ({ focus: 'hub', directions: 'both', hiddenGroups: new Set(), hiddenTypes: new Set(), tests: false, fanout: 8, unfolded: new Set(), unfoldAll: false, collapsed: new Set(), expanded: new Set(), ...over });
  /** src → hub → 20 children (c00..c19); c00 → leaf. */
  const known = emptyKnown();
  const kids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  learn(known, [node('src', { resourceType: 'source', group: 'raw' }), node('hub', { children: 20, parents: 1 }), ...kids.map((k) => node(k, { parents: 1, children: k === 'c00' ? 1 : 0 })), node('leaf', { parents: 1 })], [
    { from: 'src', to: 'hub' },
    ...kids.map((k) => ({ from: 'hub', to: k })),
    { from: 'c00', to: 'leaf' },
  ]);
  const names = (d: ReturnType<typeof drawnGraph>): string[] => d.nodes.map((n) => (n.kind === 'more' ? `+${n.count}` : n.id)).sort();

  it('a wide fan-out folds into "+N more", which unfolds in place', () => {
    const folded = drawnGraph(known, state());
    assert.deepEqual(names(folded), ['+13', 'c00', 'c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'hub', 'leaf', 'src']);
    assert.equal(folded.folded.get('c19'), 'more:hub>down');
    assert.ok(folded.edges.some((e) => e.from === 'hub' && e.to === 'more:hub>down'));
    const open = drawnGraph(known, state({ unfolded: new Set(['hub>down']) }));
    assert.equal(open.nodes.filter((n) => n.kind === 'node').length, 23);
    assert.equal(drawnGraph(known, state({ unfoldAll: true })).nodes.length, 23);
  });

  it('directions, per-node collapse and expand, and handles that say which', () => {
    assert.deepEqual(names(drawnGraph(known, state({ directions: 'up' }))), ['hub', 'src']);
    const collapsed = drawnGraph(known, state({ collapsed: new Set(['c00>down']) }));
    assert.ok(!names(collapsed).includes('leaf'));
    assert.equal(collapsed.nodes.find((n) => n.id === 'c00')!.handles!.down, 'expand');
    const hub = drawnGraph(known, state()).nodes.find((n) => n.id === 'hub')!;
    assert.deepEqual(hub.handles, { up: 'collapse', down: 'collapse' });
    // A downstream node's parents beyond the walk: expanded on request.
    const expanded = drawnGraph(known, state({ focus: 'leaf', directions: 'up', expanded: new Set(['hub>down']), unfoldAll: true }));
    assert.equal(expanded.nodes.length, 23);
  });

  it('filters hide groups and types, bridging the edges through what they hide', () => {
    const noSources = drawnGraph(known, state({ hiddenTypes: new Set(['source']) }));
    assert.ok(!names(noSources).includes('src'));
    const chain = emptyKnown();
    learn(chain, [node('a', { group: 'x' }), node('b', { group: 'hidden' }), node('c', { group: 'x' })], [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }]);
    const bridged = drawnGraph(chain, state({ focus: 'a', hiddenGroups: new Set(['hidden']) }));
    assert.deepEqual(bridged.edges, [{ from: 'a', to: 'c', bridged: true }]);
  });

  it('failing nodes stay out of the fold', () => {
    const withFailure = emptyKnown();
    learn(withFailure, [...known.nodes.values()].map((n) => (n.id === 'c19' ? { ...n } : n)), [...known.children].flatMap(([from, tos]) => tos.map((to) => ({ from, to }))));
    withFailure.nodes.get('c19')!.status = 'error';
    assert.ok(names(drawnGraph(withFailure, state())).includes('c19'));
  });
});
