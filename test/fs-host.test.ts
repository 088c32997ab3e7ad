/**
 * The file system host's listings: fresh by default (the language server's files change under it),
 * once per folder with `listsOnce` (a one-shot command: `medallion parse` lists for the load and
 * again for the manifest writer's docs).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

describe('NodeFileHost.listLevel: one folder level, as list() would see it', () => {
  it('files and folders directly inside, sorted, links followed, skipped folders left out, each real folder once', () => {
    const root = mkdtempSync(join(tmpdir(), 'fs-host-level-'));
    try {
      for (const dir of ['pkgs/b', 'pkgs/a-b/macros', 'pkgs/a', 'pkgs/.hidden', 'pkgs/target', 'outside']) mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, 'pkgs', 'z.yml'), '');
      writeFileSync(join(root, 'pkgs', 'a-b', 'dbt_project.yml'), '');
      writeFileSync(join(root, 'pkgs', 'a-b', 'macros', 'm.sql'), '');
      symlinkSync(join(root, 'outside'), join(root, 'pkgs', 'linked'));
      symlinkSync(join(root, 'outside'), join(root, 'pkgs', 'linked_again'));
      symlinkSync(join(root, 'nowhere'), join(root, 'pkgs', 'broken'));
      const host = new NodeFileHost();
      const pkgs = normalizePath(join(root, 'pkgs'));
      assert.deepEqual(host.listLevel(pkgs), { files: [`${pkgs}/z.yml`], folders: [`${pkgs}/a`, `${pkgs}/a-b`, `${pkgs}/b`, `${pkgs}/linked`] });
      assert.deepEqual(host.listLevel(`${pkgs}/a-b`), { files: [`${pkgs}/a-b/dbt_project.yml`], folders: [`${pkgs}/a-b/macros`] });
      assert.deepEqual(host.listLevel(`${pkgs}/missing`), { files: [], folders: [] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
