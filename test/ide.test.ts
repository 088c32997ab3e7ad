/** Editor answers at the core boundary: a cursor marker ‸ in a model, and what must come back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { completionsAt, definitionOf, describeNode, referencesTo, renameModel } from '../server/src/core/ide';
import { updateModelText } from '../server/src/core/incremental';
import { ScanCache } from '../server/src/core/loader';
import { parseMarkers } from './support/markers';

const BASE: Record<string, string> = {
  'dbt_project.yml': 'name: p\nconfig-version: 2\n',
  'models/sources.yml': 'version: 2\nsources:\n  - name: landing\n    tables:\n      - name: orders\n      - name: users\n',
  'models/stg_orders.sql': "select * from {{ source('landing', 'orders') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: stg_orders\n    columns:\n      - name: order_id\n        description: the id\n      - name: amount\n',
  'macros/m.sql': '{% macro cents(col, scale=2) %}{{ col }}{% endmacro %}',
};

function complete(marked: string): string[] {
  const { text, cursor } = parseMarkers(marked);
  const host = new MemoryHost({ ...BASE, 'models/m.sql': text }, '/p');
  const analysis = analyzeProject(host, '/p');
  return completionsAt(analysis, text, cursor!, 'models/m.sql').map((i) => i.label).sort();
}

describe('completion by context', () => {
  const cases: Array<[string, string, string[]]> = [
    ['models in ref()', "select * from {{ ref('‸') }}", ['m', 'stg_orders']],
    ['source names', "select * from {{ source('‸') }}", ['landing']],
    ['tables of a source', "select * from {{ source('landing', 'o‸') }}", ['orders', 'users']],
    // dbt's model keys, Medallion's layer, and those of the adapter (DuckDB without a profile); test/ide-completion.test.ts has the rest.
    ['config keys', '{{ config(‸) }}', ['access', 'alias', 'batch_size', 'begin', 'concurrent_batches', 'contract', 'database', 'delimiter', 'docs', 'enabled', 'event_time', 'format', 'full_refresh', 'glue_database', 'glue_register', 'grants', 'group', 'incremental_predicates', 'incremental_strategy', 'indexes', 'layer', 'location', 'lookback', 'materialized', 'merge_exclude_columns', 'merge_update_columns', 'meta', 'on_configuration_change', 'on_error', 'on_schema_change', 'options', 'packages', 'persist_docs', 'post_hook', 'pre_hook', 'quoting', 'schema', 'sql_header', 'tags', 'unique_key']],
    ['config values', "{{ config(materialized='‸') }}", ['ephemeral', 'incremental', 'materialized_view', 'table', 'view']],
    ['columns of what the model reads', "select o.‸ from {{ ref('stg_orders') }} o", ['amount', 'order_id']],
    ['macros with parameters inside {{ }}', '{{ ce‸ }}', ['cents']],
    ['nothing in plain SQL words', 'sel‸', []],
  ];
  for (const [title, marked, expected] of cases) it(title, () => assert.deepEqual(complete(marked), expected));
});

describe('navigation and rename at the core', () => {
  const host = new MemoryHost({ ...BASE, 'models/fct.sql': "select * from {{ ref('stg_orders') }}\n-- depends_on: {{ ref('stg_orders') }}" }, '/p');
  const analysis = analyzeProject(host, '/p');

  it('definition of a ref and of a source table', () => {
    const text = (host.read('/p/models/fct.sql') as { text: string }).text;
    assert.deepEqual(definitionOf(analysis, 'models/fct.sql', text.indexOf('stg_orders') + 2), { file: 'models/stg_orders.sql' });
    const src = definitionOf(analysis, 'models/stg_orders.sql', "select * from {{ source('landing', 'orders') }}".indexOf('orders'));
    assert.equal(src!.file, 'models/sources.yml');
  });

  it('references and rename cover both refs and the yml entry', () => {
    const node = analysis.project.nodes.get('model.p.stg_orders')!;
    assert.deepEqual(referencesTo(analysis, node, false).map((l) => l.file), ['models/fct.sql', 'models/fct.sql']);
    const rename = renameModel(analysis, node, 'orders_clean');
    assert.deepEqual(rename.edits.map((e) => [e.file, e.newText]), [['models/fct.sql', 'orders_clean'], ['models/fct.sql', 'orders_clean'], ['models/schema.yml', 'orders_clean']]);
    assert.deepEqual(rename.fileRename, { from: 'models/stg_orders.sql', to: 'models/orders_clean.sql' });
    assert.match(renameModel(analysis, node, 'fct').problem!, /already exists/);
    assert.match(renameModel(analysis, node, 'bad-name').problem!, /not a valid model name/);
  });

  it('references and lineage counts after edits equal those of a fresh load (children found through the graph, listed in node order)', () => {
    const files: Record<string, string> = { ...BASE, 'models/a.sql': "select * from {{ ref('stg_orders') }}", 'models/b.sql': 'select 1', 'models/c.sql': "select * from {{ ref('b') }}" };
    const edited = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    const live = analyzeProject(edited, '/p', { cache });
    // b starts reading stg_orders: it becomes the last child of stg_orders though it sorts before c.
    const b = "select * from {{ ref('stg_orders') }} join {{ ref('stg_orders') }} using (id)";
    edited.set('/p/models/b.sql', b);
    assert.ok(updateModelText(live, 'models/b.sql', b, cache));
    const fresh = analyzeProject(edited, '/p');
    for (const id of ['model.p.stg_orders', 'model.p.b', 'source.p.landing.orders']) {
      assert.deepEqual(referencesTo(live, live.project.nodes.get(id)!, true), referencesTo(fresh, fresh.project.nodes.get(id)!, true), id);
      assert.equal(describeNode(live, live.project.nodes.get(id)!), describeNode(fresh, fresh.project.nodes.get(id)!), id);
    }
    assert.deepEqual(referencesTo(live, live.project.nodes.get('model.p.stg_orders')!, false).map((l) => l.file), ['models/a.sql', 'models/b.sql', 'models/b.sql']);
    assert.match(describeNode(live, live.project.nodes.get('source.p.landing.orders')!), /↓ 4 downstream/);
  });
});
