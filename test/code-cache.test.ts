/**
 * The CLI's V8 code cache (server/src/node/code-cache.ts, used by bin/medallion.js): written after a
 * run, accepted by the next one, replaced when the bundle changed or the file is corrupt, and never
 * the reason a command fails. MEDALLION_CODE_CACHE=debug makes the launcher say what happened.
 */
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeCacheDir } from '../server/src/node/code-cache';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

const repo = testPath('..');

/** A copy of the launcher and the bundles it loads, so a test can change the bundle. */
function cliCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'medallion-cc-cli-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist'));
  copyFileSync(join(repo, 'bin', 'medallion.js'), join(root, 'bin', 'medallion.js'));
  for (const f of ['medallion.js', 'code-cache.js', 'lsp-server.js']) copyFileSync(join(repo, 'dist', f), join(root, 'dist', f));
  copyFileSync(join(repo, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

function medallion(cli: string, cacheDir: string, args: string[], cwd = tmpdir(), nodeFlags: string[] = []): { code: number; stdout: string; stderr: string; cache: string[] } {
  const r = spawnSync(process.execPath, [...nodeFlags, join(cli, 'bin', 'medallion.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', NO_COLOR: '1', MEDALLION_CODE_CACHE: 'debug', MEDALLION_CODE_CACHE_DIR: cacheDir },
  });
  const cache = (r.stderr.match(/^medallion code cache: \S+/gm) ?? []).map((l) => l.slice('medallion code cache: '.length));
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, cache };
}

const cacheFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.bin'));

describe('the CLI code cache', () => {
  const project = tempProject({
    'models/a.sql': 'select 1 as id',
    'models/b.sql': "select id + 1 as id from {{ ref('a') }}",
    'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n',
  });

  it('is written after a run, accepted by the next, deepened by the first command that loads a project', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    const first = medallion(cli, dir, ['--version']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.cache, ['missing', 'written']);
    assert.equal(cacheFiles(dir).length, 1);
    const second = medallion(cli, dir, ['--version']);
    assert.deepEqual(second.cache, ['accepted'], 'nothing new to write after --version');
    assert.equal(second.stdout, first.stdout);
    const parse = medallion(cli, dir, ['parse'], project);
    assert.equal(parse.code, 0, parse.stderr);
    assert.deepEqual(parse.cache, ['accepted', 'written'], 'a project-loading command replaces a cache written after --version');
    const again = medallion(cli, dir, ['ls'], project);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.cache, ['accepted']);
    assert.deepEqual(medallion(cli, dir, ['--version']).cache, ['accepted'], '--version does not replace the deeper cache');
  });

  it('a changed bundle gets a cache of its own and the old one is removed', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    assert.deepEqual(medallion(cli, dir, ['--version']).cache, ['missing', 'written']);
    const before = cacheFiles(dir);
    writeFileSync(join(cli, 'dist', 'medallion.js'), readFileSync(join(cli, 'dist', 'medallion.js'), 'utf8') + '\n// changed\n');
    const changed = medallion(cli, dir, ['--version']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(changed.cache, ['missing', 'written']);
    const after = cacheFiles(dir);
    assert.equal(after.length, 1);
    assert.notDeepEqual(after, before);
  });

  it('a bundle rewritten in place (the same file, size and modification time) gets a cache of its own: the cache is keyed by the file, its change time among the key', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    const bundle = join(cli, 'dist', 'medallion.js');
    // A whole second: set back exactly after the edit.
    utimesSync(bundle, 1_000_000_000, 1_000_000_000);
    const first = medallion(cli, dir, ['--version']);
    assert.deepEqual(first.cache, ['missing', 'written']);
    assert.match(first.stdout, /^medallion \d/);
    const before = statSync(bundle, { bigint: true });
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('`medallion ${ownVersion()}', '`medalliox ${ownVersion()}'));
    utimesSync(bundle, 1_000_000_000, 1_000_000_000);
    const after = statSync(bundle, { bigint: true });
    assert.deepEqual([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs], 'only the change time tells the edit');
    const edited = medallion(cli, dir, ['--version']);
    assert.equal(edited.code, 0, edited.stderr);
    assert.deepEqual(edited.cache, ['missing', 'written']);
    assert.match(edited.stdout, /^medalliox \d/);
    assert.equal(cacheFiles(dir).length, 1, 'the old cache removed');
  });

  it('a cache V8 refuses (other V8 flags) is rejected and replaced', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    assert.deepEqual(medallion(cli, dir, ['--version']).cache, ['missing', 'written']);
    const other = medallion(cli, dir, ['--version'], tmpdir(), ['--no-lazy-feedback-allocation']);
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual(other.cache, ['rejected', 'written']);
    assert.deepEqual(medallion(cli, dir, ['--version'], tmpdir(), ['--no-lazy-feedback-allocation']).cache, ['accepted']);
  });

  it('the language server (under V8\'s default tiering) keeps caches of its own, saved when it exits: alternating with commands, neither rejects the other', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    // Its input closed at once, the server exits (code 1: no shutdown request came first).
    const server = medallion(cli, dir, ['lsp', '--stdio']);
    assert.equal(server.code, 1, server.stderr);
    // The CLI's bundle, then the server's own (dist/lsp-server.js, which the CLI's bundle does not hold), both written at exit.
    assert.deepEqual(server.cache, ['missing', 'missing', 'written', 'written']);
    assert.deepEqual(cacheFiles(dir).map((f) => f.split('-v')[0]).sort(), ['lsp-server-lsp', 'medallion-lsp']);
    assert.deepEqual(medallion(cli, dir, ['--version']).cache, ['missing', 'written']);
    assert.deepEqual(medallion(cli, dir, ['lsp', '--stdio']).cache, ['accepted', 'accepted']);
    assert.deepEqual(medallion(cli, dir, ['--version']).cache, ['accepted']);
    assert.equal(cacheFiles(dir).length, 3);
  });

  it('a corrupt or truncated cache file is ignored and rewritten, the command unaffected', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    assert.deepEqual(medallion(cli, dir, ['parse'], project).cache, ['missing', 'written']);
    const file = join(dir, cacheFiles(dir)[0]!);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    for (const bad of [flipped, good.subarray(0, good.length >> 1), Buffer.from('not a cache'), Buffer.alloc(0)]) {
      writeFileSync(file, bad);
      const r = medallion(cli, dir, ['parse'], project);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^p: 2 models, 2 tests/m);
      assert.deepEqual(r.cache, ['corrupt', 'written']);
      assert.deepEqual(medallion(cli, dir, ['--version']).cache, ['accepted']);
    }
  });

  it('an unwritable cache folder never breaks a command', () => {
    const cli = cliCopy();
    const blocker = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const r = medallion(cli, join(blocker, 'cache'), ['parse'], project);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.cache, ['missing', 'not']);
    assert.match(r.stderr, /medallion code cache: not written: /);
    // A home that does not exist is not created to hold a cache.
    const home = spawnSync(process.execPath, [join(cli, 'bin', 'medallion.js'), '--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-medallion-home', MEDALLION_CODE_CACHE: 'debug' } });
    assert.equal(home.status, 0, home.stderr);
    assert.match(home.stderr, /not written: \/nonexistent-medallion-home does not exist/);
  });

  it('off compiles without a cache', () => {
    const r = spawnSync(process.execPath, [join(repo, 'bin', 'medallion.js'), '--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', MEDALLION_CODE_CACHE: 'off' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('build on DuckDB runs from an accepted cache (the bundle loads DuckDB with require, not a dynamic import a vm.Script cannot do on older Node 20)', () => {
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    assert.deepEqual(medallion(cli, dir, ['parse'], project).cache, ['missing', 'written']);
    const build = medallion(cli, dir, ['build'], project);
    assert.equal(build.code, 0, build.stdout + build.stderr);
    assert.deepEqual(build.cache, ['accepted']);
    assert.match(build.stdout, /PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4/);
    for (const bundle of ['medallion.js', 'lsp-server.js']) {
      const text = readFileSync(join(repo, 'dist', bundle), 'utf8');
      assert.doesNotMatch(text, /\bimport\(\s*["']/, `${bundle} has no dynamic import()`);
    }
  });

  it('the bundles are ASCII (read as one-byte text); a bundle that is not still runs, its text intact', () => {
    for (const bundle of ['medallion.js', 'lsp-server.js']) assert.ok(isAscii(readFileSync(join(repo, 'dist', bundle))), `${bundle} is ASCII`);
    const cli = cliCopy();
    const dir = join(mkdtempSync(join(tmpdir(), 'medallion-cc-')), 'cache');
    // A string with a non-ASCII character: decoded as Latin-1 it would print mojibake.
    const bundle = join(cli, 'dist', 'medallion.js');
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('`medallion ${ownVersion()}', '`medallion \u2192 ${ownVersion()}'));
    assert.ok(!isAscii(readFileSync(bundle)), 'the test bundle is not ASCII');
    for (let run = 0; run < 2; run++) {
      const r = medallion(cli, dir, ['--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^medallion \u2192 \S+\n$/);
    }
  });

  it('lives in the platform\'s cache folder', () => {
    assert.deepEqual(codeCacheDir({}, 'linux', '/home/u'), { dir: '/home/u/.cache/medallion/code-cache', within: '/home/u' });
    assert.deepEqual(codeCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'), { dir: '/xdg/medallion/code-cache', within: '/xdg' });
    assert.deepEqual(codeCacheDir({}, 'darwin', '/Users/u'), { dir: '/Users/u/Library/Caches/medallion/code-cache', within: '/Users/u' });
    assert.equal(codeCacheDir({}, 'win32', 'C:\\Users\\u'), undefined, 'no LOCALAPPDATA, no cache');
    assert.deepEqual(codeCacheDir({ MEDALLION_CODE_CACHE_DIR: '/c/cc' }, 'linux', undefined), { dir: '/c/cc', within: '/c' });
    assert.equal(codeCacheDir({}, 'linux', undefined), undefined);
  });
});
