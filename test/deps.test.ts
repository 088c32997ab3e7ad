/**
 * `medallion deps` against the pinned dbt-core's own `dbt deps` (goldens in test/goldens/dbt/deps,
 * made by scripts/dbt_goldens/deps-goldens.mjs with the same fixture hub and git repository): the
 * same package-lock.yml and the same dbt_packages/ for hub ranges intersected across packages,
 * prereleases, require-dbt-version, local and git (tag, branch, subdirectory) packages, a reinstall
 * that honours the lock and an --upgrade. Plus clear errors naming the package.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testPath } from './support/golden';
import { createGitFixture, describeTree, startFixtureHub, writeScenario, DEPS_SCENARIOS, type FixtureHub } from './support/deps-fixtures';
import { lockHashInput, readPackageEntries } from '../server/src/core/deps/packages';
import { filterInstallable, parseVersion, rangeString, reduceVersions, resolveToSpecificVersion, type VersionSpec } from '../server/src/core/deps/semver';
import { renderEnvString } from '../server/src/core/session';
import { depsStatus } from '../server/src/deps/install';
import { registerDepsHandlers } from '../server/src/lsp/deps-handlers';
import { DepsStatusRequest, InstallDepsRequest } from '../server/src/lsp/protocol';
import { pathToFileURL } from 'node:url';

const bin = testPath('..', 'bin', 'medallion.js');
const golden = (...parts: string[]): string => readFileSync(testPath('goldens', 'dbt', 'deps', ...parts), 'utf8');

/** Runs the CLI without blocking this process (the hub answers from here). */
function medallion(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The full scenario's lock hash depends on the git fixture's temporary path (checked on its own below). */
const withoutHash = (lock: string): string => lock.replace(/^sha1_hash: [0-9a-f]{40}$/m, 'sha1_hash: <HASH>');

describe('medallion deps = dbt deps', () => {
  let hub: FixtureHub;
  let gitDir: string;
  let parent: string;
  let env: Record<string, string>;

  before(async () => {
    hub = await startFixtureHub();
    gitDir = createGitFixture();
    parent = mkdtempSync(join(tmpdir(), 'medallion-deps-'));
    env = { DBT_PACKAGE_HUB_URL: hub.url, MEDALLION_TEST_GIT: gitDir };
  });
  after(() => hub.close());

  it('hub ranges intersected, local and git packages; reinstall honours the lock; --upgrade moves on', async () => {
    const project = writeScenario(parent, 'full');
    const check = (step: string): void => {
      assert.equal(withoutHash(readFileSync(join(project, 'package-lock.yml'), 'utf8')), withoutHash(golden('full', `${step}.lock.yml`)), step);
      assert.equal(describeTree(join(project, 'dbt_packages'), parent), golden('full', `${step}.tree.txt`), step);
    };
    const first = await medallion(['deps'], project, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^pkg_a {2}medallion-test\/pkg_a@1\.2\.0 {2}\(2\.0\.0 is available\)$/m);
    check('1-install');
    hub.publishLater();
    const locked = await medallion(['deps'], project, env);
    assert.equal(locked.code, 0, locked.stderr);
    check('2-locked');
    const upgraded = await medallion(['deps', '--upgrade'], project, env);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    check('3-upgrade');
    // The installed packages are part of the project: their macros load.
    const parsed = await medallion(['parse'], project, env);
    assert.equal(parsed.code, 0, parsed.stderr);
  });

  it('depsStatus and the editor\'s medallion/depsStatus + medallion/installDeps handlers', async () => {
    const project = writeScenario(join(parent, 'status'), 'prerelease');
    const handlers = new Map<string, (params: unknown) => unknown>();
    let trusted = false;
    // The server's one trust guard (ServerState.trustedOnly), over this test's flag.
    const trustedOnly: Parameters<typeof registerDepsHandlers>[1] = (refuse, handler) => (...args) => (trusted ? handler(...args) : refuse(...args));
    registerDepsHandlers({ onRequest: (name: string, fn: (p: unknown) => unknown) => handlers.set(name, fn), console: { log: () => undefined } } as unknown as Parameters<typeof registerDepsHandlers>[0], trustedOnly);
    const uri = pathToFileURL(join(project, 'dbt_project.yml')).toString();
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      assert.equal((handlers.get(DepsStatusRequest)!({ uri }) as { reason?: string }).reason, 'not-installed');
      assert.deepEqual(await handlers.get(InstallDepsRequest)!({ uri }), { ok: false, message: 'Medallion does not install packages in an untrusted workspace', packages: [] });
      trusted = true;
      const installed = (await handlers.get(InstallDepsRequest)!({ uri })) as { ok: boolean; packages: Array<{ name: string }> };
      assert.equal(installed.ok, true);
      assert.deepEqual(installed.packages.map((p) => p.name), ['pkg_c', 'pkg_old']);
      assert.equal(depsStatus(project, env).reason, undefined);
      writeFileSync(join(project, 'packages.yml'), DEPS_SCENARIOS.prerelease!.replace('>=0.5.0', '0.5.0'));
      assert.equal(depsStatus(project, env).reason, 'lock-stale');
    } finally {
      process.env = saved;
    }
    assert.deepEqual(depsStatus(testPath('..', 'models'), {}), {});
  });

  it('install_prerelease and require-dbt-version, lock hash included', async () => {
    const project = writeScenario(parent, 'prerelease');
    const r = await medallion(['deps'], project, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(project, 'package-lock.yml'), 'utf8'), golden('prerelease', '1-install.lock.yml'));
    assert.equal(describeTree(join(project, 'dbt_packages'), parent), golden('prerelease', '1-install.tree.txt'));
  });

  it('sha1_hash of packages with a git URL equals dbt\'s', () => {
    const expected = JSON.parse(golden('hash.json')) as { MEDALLION_TEST_GIT: string; sha1_hash: string };
    const { entries, problems } = readPackageEntries(DEPS_SCENARIOS.full!, 'packages.yml', (v) => renderEnvString(v, { MEDALLION_TEST_GIT: expected.MEDALLION_TEST_GIT }));
    assert.deepEqual(problems, []);
    assert.equal(createHash('sha1').update(lockHashInput(entries)).digest('hex'), expected.sha1_hash);
  });

  it('errors name the package, and a failed install leaves dbt_packages/ as it was', async () => {
    const project = join(parent, 'errors');
    mkdirSync(join(project, 'dbt_packages', 'kept'), { recursive: true });
    writeFileSync(join(project, 'dbt_project.yml'), 'name: errors\nconfig-version: 2\n');
    const attempt = async (packages: string, extra: Record<string, string> = {}): Promise<{ code: number; stderr: string }> => {
      writeFileSync(join(project, 'packages.yml'), packages);
      return medallion(['deps'], project, { ...env, ...extra });
    };
    const clash = await attempt('packages:\n  - package: medallion-test/pkg_a\n    version: "<1.2.0"\n  - package: medallion-test/pkg_b\n    version: "1.2.0"\n');
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /Version error for package medallion-test\/pkg_a: Could not find a satisfactory version/);
    const offline = await attempt('packages:\n  - package: medallion-test/pkg_a\n    version: "1.2.0"\n', { DBT_PACKAGE_HUB_URL: 'http://127.0.0.1:9/' });
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /Cannot reach the dbt package hub at http:\/\/127\.0\.0\.1:9\/ for package medallion-test\/pkg_a/);
    const unknown = await attempt('packages:\n  - package: medallion-test/nope\n    version: "1.0.0"\n');
    assert.match(unknown.stderr, /Package medallion-test\/nope was not found in the package index/);
    const noRepo = await attempt(`packages:\n  - git: "file://${gitDir}/missing.git"\n    revision: v1.0.0\n`);
    assert.equal(noRepo.code, 1);
    assert.match(noRepo.stderr, /Cannot check out revision v1\.0\.0 of git package file:\/\/.*missing\.git: /);
    assert.ok(existsSync(join(project, 'dbt_packages', 'kept')), 'the previous dbt_packages/ is untouched');
    for (const r of [clash, offline, unknown, noRepo]) assert.doesNotMatch(r.stderr, /^\s+at /m);
    writeFileSync(join(project, 'dependencies.yml'), 'packages:\n  - local: ../local_pkg\n');
    const both = await attempt('packages:\n  - local: ../local_pkg\n');
    assert.equal(both.code, 1);
    assert.match(both.stderr, /The 'packages' key cannot be specified in both packages\.yml and dependencies\.yml/);
  });

  it('dependencies.yml, and a warning for an unpinned git package', async () => {
    const project = join(parent, 'dependencies');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'dbt_project.yml'), 'name: dependencies\nconfig-version: 2\n');
    writeFileSync(join(project, 'dependencies.yml'), 'packages:\n  - local: ../local_pkg\n  - git: "file://{{ env_var(\'MEDALLION_TEST_GIT\') }}/git_pkg.git"\n    revision: main\n');
    const r = await medallion(['deps'], project, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: The git package file:\/\/\{\{ env_var\('MEDALLION_TEST_GIT'\) \}\}\/git_pkg\.git is not pinned \(revision main\)/);
    assert.ok(existsSync(join(project, 'dbt_packages', 'local_pkg', 'dbt_project.yml')));
    assert.match(readFileSync(join(project, 'dbt_packages', 'git_pkg', 'macros', 'hello.sql'), 'utf8'), /v2/);
  });
});

describe('dbt semver', () => {
  const v = (s: string): VersionSpec => parseVersion(s)!;
  it('intersects ranges like dbt_common.semver.reduce_versions', () => {
    assert.equal(rangeString(reduceVersions([v('>=1.0.0'), v('<2.0.0'), v('>=1.2.0'), v('<1.3.0')])!), '>=1.2.0, <1.3.0');
    assert.equal(rangeString(reduceVersions([v('1.2.0'), v('>=1.0.0')])!), '=1.2.0, =1.2.0');
    assert.equal(reduceVersions([v('<1.2.0'), v('1.2.0')]), undefined);
    assert.equal(reduceVersions([v('1.2.0'), v('1.3.0')]), undefined);
    assert.equal(rangeString(reduceVersions([])!), 'ANY');
  });
  it('picks the newest installable version; prereleases only when asked', () => {
    const all = ['1.0.0', '1.4.0-rc1', '1.3.0', '2.0.0', '1.4.0-b2'];
    assert.deepEqual(filterInstallable(all, false), ['1.0.0', '1.3.0', '2.0.0']);
    assert.deepEqual(filterInstallable(all, true), ['1.0.0', '1.3.0', '1.4.0-b2', '1.4.0-rc1', '2.0.0']);
    assert.equal(resolveToSpecificVersion(reduceVersions([v('>=1.0.0'), v('<2.0.0')])!, filterInstallable(all, true)), '1.4.0-rc1');
    assert.equal(resolveToSpecificVersion(reduceVersions([v('>=1.0.0'), v('<2.0.0')])!, filterInstallable(all, false)), '1.3.0');
    assert.equal(parseVersion('1.0'), undefined);
  });
});
