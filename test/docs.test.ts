/**
 * `medallion docs generate` / `docs serve` against the pinned dbt-core: after a build of
 * test/fixtures/workflows, catalog.json lists the same models and seeds as dbt's `docs generate`
 * with the same relation types, columns, types and positions (test/goldens/dbt/workflows/
 * catalog.json). Landing sources differ on purpose: Medallion loads them as tables with a
 * `_landing_file` column (dbt's goldens read them through views). The site is served on loopback
 * only and never outside the target folder.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { serveDocs } from '../server/src/docs/serve';
import { NodeFileHost } from '../server/src/node/fs-host';
import { generateDocs } from '../server/src/runner/docs';
import { runProject } from '../server/src/runner/project-run';
import { testPath } from './support/golden';

type CatalogEntry = { metadata: Record<string, unknown>; columns: Record<string, { type: string; index: number; name: string; comment: unknown }>; stats: unknown; unique_id: string };
type Catalog = { metadata: Record<string, unknown>; nodes: Record<string, CatalogEntry>; sources: Record<string, CatalogEntry>; errors: unknown };
const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'catalog.json'), 'utf8')) as Catalog;

function get(url: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('docs generate and serve, as dbt-core (test/fixtures/workflows)', () => {
  const root = mkdtempSync(join(tmpdir(), 'medallion-docs-'));
  cpSync(testPath('fixtures', 'workflows'), root, { recursive: true });
  const host = new NodeFileHost();

  it('before a build: nothing is in the catalog, as with dbt; the column model fills in what it knows', async () => {
    const result = await generateDocs(host, analyzeProject(host, root), { env: {}, profilesDirs: [root], columnsOf: (node) => (node.name === 'stg_orders' ? [{ name: 'id', type: 'INTEGER' }] : undefined) });
    assert.equal(result.fatal, undefined);
    const catalog = JSON.parse(readFileSync(join(root, 'target', 'catalog.json'), 'utf8')) as Catalog;
    assert.deepEqual(Object.keys(catalog.nodes), ['model.workflows.stg_orders']);
    assert.deepEqual(catalog.nodes['model.workflows.stg_orders']!.metadata, { type: 'VIEW', schema: 'main', name: 'stg_orders', database: 'workflows', comment: null, owner: null });
    assert.equal(result.fromColumnModel, 1);
  });

  it('after a build: the models and seeds of dbt\'s catalog, with its types, columns and positions', async () => {
    const summary = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env: {}, profilesDirs: [root] });
    assert.equal(summary.fatal, undefined);
    const result = await generateDocs(host, analyzeProject(host, root), { env: {}, profilesDirs: [root] });
    assert.deepEqual(result.files.map((f) => f.slice(root.length + 1)), ['target/manifest.json', 'target/catalog.json', 'target/index.html']);
    const catalog = JSON.parse(readFileSync(join(root, 'target', 'catalog.json'), 'utf8')) as Catalog;
    assert.deepEqual(Object.keys(catalog).sort(), Object.keys(golden).sort());
    assert.equal(catalog.metadata.dbt_schema_version, golden.metadata.dbt_schema_version);
    assert.deepEqual(Object.keys(catalog.nodes).sort(), Object.keys(golden.nodes).sort());
    for (const [id, expected] of Object.entries(golden.nodes)) assert.deepEqual(catalog.nodes[id], expected, id);
    // Landing sources: the same columns first, then Medallion's _landing_file; a table where dbt's goldens have a view.
    for (const [id, entry] of Object.entries(catalog.sources)) {
      const expected = golden.sources[id]!;
      assert.ok(expected, id);
      const inOrder = (columns: CatalogEntry['columns']): string[] => Object.values(columns).sort((a, b) => a.index - b.index).map((c) => c.name);
      assert.deepEqual(inOrder(entry.columns), [...inOrder(expected.columns), '_landing_file'], id);
      assert.equal(entry.metadata.type, 'BASE TABLE');
    }
    assert.equal(catalog.errors, null);
  });

  it('serve: the site and the artifacts on 127.0.0.1, nothing outside the target folder', async () => {
    const server = await serveDocs(join(root, 'target'), 0);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await get(server.url);
      assert.equal(index.status, 200);
      assert.equal(index.type, 'text/html; charset=utf-8');
      assert.match(index.body, /Content-Security-Policy" content="default-src 'none'; connect-src 'self'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'"/);
      const catalog = await get(`${server.url}catalog.json`);
      assert.equal(catalog.status, 200);
      assert.ok((JSON.parse(catalog.body) as Catalog).nodes['model.workflows.orders_by_customer']);
      assert.equal((await get(`${server.url}..%2F..%2Fdbt_project.yml`)).status, 404);
      assert.equal((await get(`${server.url}%2e%2e/dbt_project.yml`)).status, 404);
      assert.equal((await get(`${server.url}nothing.json`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
