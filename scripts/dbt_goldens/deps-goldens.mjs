// Goldens for `medallion deps` from the pinned dbt-core's own `dbt deps`, run against the same
// fixture hub (served on loopback, DBT_PACKAGE_HUB_URL) and the same bare git repository that
// test/deps.test.ts uses. Writes test/goldens/dbt/deps/<scenario>/<step>.{lock.yml,tree.txt}:
//   full/1-install      the first install (writes package-lock.yml)
//   full/2-locked       after the hub publishes newer versions: the lock is honoured
//   full/3-upgrade      `dbt deps --upgrade`: the newer versions
//   prerelease/1-install
// and hash.json: dbt's sha1_hash of the `full` packages.yml with MEDALLION_TEST_GIT=/fixed/git (the
// lock's hash depends on the git fixture's temporary path, so the tests compare that one separately).
// Needs `npm run build` first. usage: DBT_VENV=... node scripts/dbt_goldens/deps-goldens.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { startFixtureHub, createGitFixture, writeScenario, describeTree } = require(join(root, 'out', 'test', 'support', 'deps-fixtures.js'));
const venv = execFileSync('bash', ['-c', `source ${join(root, 'scripts', 'dbt_goldens', 'venv.sh')} >&2 && echo "$DBT|$PY"`], { env: { ...process.env, REPO_ROOT: root }, encoding: 'utf8' }).trim().split('|');
const [dbt, py] = venv;
const out = join(root, 'test', 'goldens', 'dbt', 'deps');
rmSync(out, { recursive: true, force: true });

const work = mkdtempSync(join(tmpdir(), 'medallion-deps-goldens-'));
const hub = await startFixtureHub();
try {
  const gitDir = createGitFixture(join(work, 'git'));
  const env = { ...process.env, DBT_PACKAGE_HUB_URL: hub.url, MEDALLION_TEST_GIT: gitDir, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1', DBT_USE_COLORS: 'false' };
  const run = (project, args) => {
    // dbt's requests are blocking: the hub lives in this process, so dbt runs asynchronously.
    return new Promise((resolve, reject) => {
      const child = require('node:child_process').spawn(dbt, ['deps', '--profiles-dir', '.', ...args], { cwd: project, env });
      let log = '';
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      child.on('exit', (code) => (code === 0 ? resolve(log) : reject(new Error(`dbt deps ${args.join(' ')} failed in ${project}:\n${log}`))));
    });
  };
  const record = (scenario, step, project, parent) => {
    mkdirSync(join(out, scenario), { recursive: true });
    writeFileSync(join(out, scenario, `${step}.lock.yml`), readFileSync(join(project, 'package-lock.yml'), 'utf8'));
    writeFileSync(join(out, scenario, `${step}.tree.txt`), describeTree(join(project, 'dbt_packages'), parent));
  };
  const parent = join(work, 'projects');
  const full = writeScenario(parent, 'full');
  await run(full, []);
  record('full', '1-install', full, parent);
  hub.publishLater();
  await run(full, []);
  record('full', '2-locked', full, parent);
  await run(full, ['--upgrade']);
  record('full', '3-upgrade', full, parent);
  const pre = writeScenario(parent, 'prerelease');
  await run(pre, []);
  record('prerelease', '1-install', pre, parent);

  const hash = spawnSync(py, ['-c', `
import os, sys, json
sys.argv = ['dbt']
from dbt.config.project import package_config_from_data
from dbt.config.renderer import PackageRenderer
from dbt.task.deps import _create_sha1_hash
from dbt_common.context import set_invocation_context
import yaml
set_invocation_context(os.environ)
raw = yaml.safe_load(open(os.path.join(${JSON.stringify(full)}, 'packages.yml')))
rendered = PackageRenderer({}).render_data(raw)
print(_create_sha1_hash(package_config_from_data(rendered, raw).packages))
`], { env: { ...env, MEDALLION_TEST_GIT: '/fixed/git' }, encoding: 'utf8' });
  if (hash.status !== 0) throw new Error(hash.stderr);
  writeFileSync(join(out, 'hash.json'), JSON.stringify({ MEDALLION_TEST_GIT: '/fixed/git', sha1_hash: hash.stdout.trim() }, null, 2) + '\n');
  console.log(`dbt deps goldens written to ${out}`);
} finally {
  await hub.close();
  rmSync(work, { recursive: true, force: true });
}
