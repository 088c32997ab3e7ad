/**
 * Where artifacts go, as dbt decides it: `--target-path`, then DBT_TARGET_PATH, then dbt_project.yml's
 * `target-path`, then `target`; relative to the project folder, or absolute (a CI's scratch folder).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { indexPath } from '../server/src/core/persisted-index';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

const bin = testPath('..', 'bin', 'medallion.js');
const files = {
  'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\ntarget-path: from_yml\n',
  'models/a.sql': 'select 1 as id',
  'models/b.sql': "select * from {{ ref('a') }}",
};

function medallion(args: string[], cwd: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const base = { ...process.env };
  delete base.DBT_TARGET_PATH;
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...base, NO_COLOR: '1', HOME: '/nonexistent', MEDALLION_CODE_CACHE: 'off', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('target path (where artifacts go)', () => {
  it('the load: --target-path over DBT_TARGET_PATH over dbt_project.yml', () => {
    const root = tempProject(files);
    try {
      const host = new NodeFileHost();
      const targetOf = (options: Parameters<typeof analyzeProject>[2]): string => analyzeProject(host, root, options).project.config.targetPath;
      assert.equal(targetOf({}), 'from_yml');
      assert.equal(targetOf({ env: { DBT_TARGET_PATH: 'from_env' } }), 'from_env');
      assert.equal(targetOf({ env: { DBT_TARGET_PATH: 'from_env' }, targetPath: 'from_flag' }), 'from_flag');
      assert.equal(targetOf({ env: { DBT_TARGET_PATH: '' } }), 'from_yml', 'an empty variable is unset');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the language server index follows DBT_TARGET_PATH, relative or absolute', () => {
    const yml = 'name: p\ntarget-path: from_yml\n';
    assert.equal(indexPath('/w/p', yml), '/w/p/from_yml/medallion/index-v1.bin');
    assert.equal(indexPath('/w/p', yml, 'ci_target'), '/w/p/ci_target/medallion/index-v1.bin');
    assert.equal(indexPath('/w/p', yml, '/scratch/t'), '/scratch/t/medallion/index-v1.bin');
  });

  it('parse writes manifest.json under --target-path, else DBT_TARGET_PATH, else the yml one', () => {
    const root = tempProject(files);
    const scratch = mkdtempSync(join(tmpdir(), 'medallion-target-'));
    try {
      let r = medallion(['parse'], root);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(join(root, 'from_yml', 'manifest.json')), 'dbt_project.yml target-path');

      r = medallion(['parse'], root, { DBT_TARGET_PATH: 'from_env' });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(join(root, 'from_env', 'manifest.json')), 'DBT_TARGET_PATH, relative to the project');

      r = medallion(['parse', '--target-path', scratch], root, { DBT_TARGET_PATH: 'from_env_again' });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(join(scratch, 'manifest.json')), 'an absolute --target-path');
      assert.ok(!existsSync(join(root, 'from_env_again')), 'the flag wins over the variable');
      assert.ok(!existsSync(join(root, scratch)), 'an absolute path is not joined under the project');
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('build writes run_results.json under an absolute --target-path and the help lists the option', () => {
    const root = tempProject({ ...files, 'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: db.duckdb\n      schema: main\n      threads: 1\n' });
    const scratch = mkdtempSync(join(tmpdir(), 'medallion-target-'));
    try {
      const r = medallion(['build', '--target-path', scratch], root);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const results = JSON.parse(readFileSync(join(scratch, 'run_results.json'), 'utf8')) as { results: Array<{ unique_id: string; status: string }> };
      assert.deepEqual(results.results.map((x) => `${x.unique_id} ${x.status}`).sort(), ['model.p.a success', 'model.p.b success']);
      assert.ok(!existsSync(join(root, 'from_yml', 'run_results.json')));
      assert.match(medallion(['build', '--help'], root).stdout, /--target-path DIR/);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
