/**
 * The file system host's listings: fresh by default (the language server's files change under it),
 * once per folder with `listsOnce` (a one-shot command: `medallion parse` lists for the load and
 * again for the manifest writer's docs).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { normalizePath } from '../server/src/core/host';
import { NodeFileHost } from '../server/src/node/fs-host';

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'fs-host-'));
  mkdirSync(join(root, 'models', 'staging'), { recursive: true });
  writeFileSync(join(root, 'models', 'a.sql'), 'select 1');
  writeFileSync(join(root, 'models', 'staging', 'b.sql'), 'select 2');
  return root;
}

describe('NodeFileHost listings', () => {
  it('by default, each list() sees the files as they are now', () => {
    const root = folder();
    try {
      const host = new NodeFileHost();
      const models = join(root, 'models');
      assert.deepEqual(host.list(models), [join(models, 'a.sql'), join(models, 'staging', 'b.sql')].map(normalizePath));
      writeFileSync(join(models, 'c.sql'), 'select 3');
      assert.deepEqual(host.list(models), [join(models, 'a.sql'), join(models, 'c.sql'), join(models, 'staging', 'b.sql')].map(normalizePath));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('with listsOnce, a folder is listed once: later calls get the first listing, each as its own copy', () => {
    const root = folder();
    try {
      const host = new NodeFileHost({ listsOnce: true });
      const models = join(root, 'models');
      const first = host.list(models);
      assert.deepEqual(first, [join(models, 'a.sql'), join(models, 'staging', 'b.sql')].map(normalizePath));
      writeFileSync(join(models, 'c.sql'), 'select 3');
      first.pop();
      assert.deepEqual(host.list(models), [join(models, 'a.sql'), join(models, 'staging', 'b.sql')].map(normalizePath));
      // Another folder (here one inside) is its own listing, read when first asked for.
      assert.deepEqual(host.list(join(models, 'staging')), [normalizePath(join(models, 'staging', 'b.sql'))]);
      assert.deepEqual(host.list(join(root, 'missing')), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
