/**
 * The loader shares objects between nodes to keep a big project small (a folder's generic tests
 * share one config, a folder's models one project-tree config layer, a column's bare tests one
 * `{column_name}`, nodes with the same parse record one record, empty tags/meta/lists one each):
 * nobody may change them in place. After a load, compiling every node, writing the manifest and
 * incremental edits, every object two nodes share must hold exactly what it held after the load.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { updateModelText } from '../server/src/core/incremental';
import { ScanCache } from '../server/src/core/loader';
import type { ProjectNode } from '../server/src/core/model';
import { createCompiler } from '../server/src/core/session';
import { NodeFileHost } from '../server/src/node/fs-host';
import { writeManifest } from '../server/src/runner/artifacts';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

/** The objects of a node that may be shared with other nodes. */
function shareable(node: ProjectNode): object[] {
  const out: object[] = [node.config, node.config.tags, node.config.meta, node.fqn, node.columns, node.refs, node.sources, node.dependsOn];
  if (node.configLayers) out.push(node.configLayers.tree);
  if (node.parsed) out.push(node.parsed, node.parsed.macros, node.parsed.uses);
  if (node.test) {
    out.push(node.test.kwargs);
    if (node.test.config) out.push(node.test.config);
  }
  return out;
}

/** Every object more than one node holds, with its JSON text. */
function sharedObjects(nodes: Iterable<ProjectNode>): Map<object, string> {
  const holders = new Map<object, number>();
  for (const node of nodes) for (const o of new Set(shareable(node))) holders.set(o, (holders.get(o) ?? 0) + 1);
  const shared = new Map<object, string>();
  for (const [o, count] of holders) if (count > 1) shared.set(o, JSON.stringify(o));
  return shared;
}

const projects = [
  { name: 'sample project', root: testPath('..', 'models'), model: 'models/silver/silver_orders.sql', modelsShareTree: true },
  { name: 'data_tests tree by folder', root: testPath('fixtures', 'parity', 'test_paths_config'), model: undefined },
  { name: 'packages and every resource kind', root: testPath('fixtures', 'parity', 'artifacts'), model: undefined },
];

describe('objects shared between nodes are never changed in place', () => {
  for (const project of projects) {
    it(project.name, () => {
      const host = new NodeFileHost();
      const cache = new ScanCache();
      const analysis = analyzeProject(host, project.root, { cache });
      const all = [...analysis.project.nodes.values(), ...[...analysis.project.disabled.values()].flat()];
      const shared = sharedObjects(all);
      const tests = all.filter((n) => n.resourceType === 'test' && n.test?.attachedTo);
      // Not vacuous: the project's generic tests do share their config.
      assert.ok(tests.length > 1, 'the project has generic tests');
      assert.ok(
        tests.some((n) => shared.has(n.config)),
        'generic tests share a config',
      );
      for (const n of tests) if (shared.has(n.config)) assert.ok(Object.isFrozen(n.config), `${n.uniqueId}: a shared config is frozen`);
      const rendered = all.filter((n) => n.parsed);
      assert.ok(
        rendered.some((n) => shared.has(n.parsed!)),
        'nodes with the same parse record share it',
      );
      for (const n of rendered) if (shared.has(n.parsed!)) assert.ok(Object.isFrozen(n.parsed) && Object.isFrozen(n.parsed!.macros) && Object.isFrozen(n.parsed!.uses), `${n.uniqueId}: a shared parse record is frozen`);
      if ('modelsShareTree' in project) {
        const models = all.filter((n) => n.resourceType === 'model');
        assert.ok(
          models.some((n) => n.configLayers && shared.has(n.configLayers.tree)),
          "a folder's models share their project-tree config layer",
        );
      }

      const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [project.root] });
      for (const id of analysis.project.nodes.keys()) compiler.compile(id);
      const dir = mkdtempSync(join(tmpdir(), 'medallion-shared-'));
      try {
        writeManifest(dir, { analysis, host, compiler, target: resolved.target, invocationId: 'shared-objects' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (project.model) {
        const path = join(project.root, project.model);
        const text = readFileSync(path, 'utf8');
        for (const edit of [`${text}\n-- edited`, `${text}\n{{ config(tags=['edited']) }}`, text]) updateModelText(analysis, project.model, edit, cache);
      }

      for (const [o, json] of shared) assert.equal(JSON.stringify(o), json, 'a shared object was changed in place');
    });
  }
});

describe('templates get their own copy of a node', () => {
  it("a model whose parse-time render updates model.config changes neither its folder's shared config nor its own", () => {
    // The models of a folder share its project-tree config until their layers apply (nodes.ts
    // addNode): the render's model.config is the node's own copy, made when the render asks.
    const root = tempProject({
      'dbt_project.yml': "name: p\nversion: '1'\nprofile: p\nmodels:\n  p:\n    +tags: [folder]\n",
      'models/a.sql': "{% do model.config.update({'touched': true}) %}{% do model.config.tags.append('touched') %}select 1 as id",
      'models/b.sql': "{{ config(materialized='table') }}{% set x = 1 %}select {{ x }} as id",
      'models/c.sql': "{% if model.config.touched is defined %}{{ ref('b') }}{% endif %}select 1 as id",
    });
    try {
      const analysis = analyzeProject(new NodeFileHost(), root);
      assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
      const nodes = analysis.project.nodes;
      const [a, b, c] = ['model.p.a', 'model.p.b', 'model.p.c'].map((id) => nodes.get(id)!);
      assert.ok(a && b && c);
      for (const node of [a, b, c]) {
        assert.equal(node.config.touched, undefined, `${node.uniqueId}: config() or the tree sets it, not a template`);
        assert.deepEqual(node.config.tags, ['folder'], node.uniqueId);
        assert.ok(Object.isFrozen(node.configLayers!.tree), `${node.uniqueId}: the folder's config stays shared and frozen`);
      }
      assert.equal(a.configLayers!.tree, c.configLayers!.tree, 'one folder config');
      assert.equal(b.config.materialized, 'table');
      assert.deepEqual(c.refs, [], "c's render saw its own config, untouched by a's");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a naming macro or a model that updates its node's config changes neither the node nor the tests sharing it", () => {
    const root = tempProject({
      // generate_alias_name sees every node, generic tests (shared frozen configs) included.
      'macros/naming.sql':
        "{% macro generate_alias_name(custom_alias_name=none, node=none) -%}{% do node.config.update({'touched': true}) %}{% do node.config.tags.append('touched') %}{% do node.tags.append('touched') %}{% do node.fqn.append('touched') %}{{ custom_alias_name or node.name }}{%- endmacro %}",
      'models/orders.sql': "{% do model.config.meta.update({'touched': true}) %}select 1 as id",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n',
    });
    try {
      const host = new NodeFileHost();
      const analysis = analyzeProject(host, root);
      const before = new Map([...analysis.project.nodes.values()].map((n) => [n.uniqueId, JSON.stringify([n.config, n.fqn])]));
      const tests = [...analysis.project.nodes.values()].filter((n) => n.resourceType === 'test');
      assert.equal(tests.length, 2);
      assert.ok(Object.isFrozen(tests[0]!.config), 'the generic tests share a frozen config');
      const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
      for (const id of analysis.project.nodes.keys()) {
        const result = compiler.compile(id);
        assert.notEqual(result.sql, undefined, `${id}: ${JSON.stringify(result.diagnostics)}`);
      }
      for (const n of analysis.project.nodes.values()) assert.equal(JSON.stringify([n.config, n.fqn]), before.get(n.uniqueId), `${n.uniqueId} was changed by a template`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
