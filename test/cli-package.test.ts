/**
 * The CLI as users install it: `npm pack` of packages/cli, `npm install -g` of that tarball into a
 * throwaway prefix, then run from a folder outside the repository: init + build on DuckDB's native
 * module, the language server over stdio, and the lazily loaded bundles (Databricks driver, S3
 * client, SQL parser) that must be inside the package.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { testPath } from './support/golden';

const repo = testPath('..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the packed CLI installed globally', () => {
  let work: string;
  let medallion: string;
  let outside: string;
  // Only the machine's PATH and HOME: nothing of the repository (no NODE_PATH, no npm_* variables);
  // the code cache in a cache folder of the test's own.
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', XDG_CACHE_HOME: join(work, 'xdg-cache'), NO_COLOR: '1', ...extra });
  const run = (args: string[], cwd = outside, extra: Record<string, string> = {}): { code: number; stdout: string; stderr: string } => {
    const r = spawnSync(medallion, args, { cwd, encoding: 'utf8', env: env(extra) });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'medallion-pkg-'));
    const pack = spawnSync(npm, ['pack', join(repo, 'packages', 'cli'), '--pack-destination', work, '--silent'], { cwd: work, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    // From npm's cache when it has @duckdb/node-api already (npm ci filled it), else the registry.
    const install = spawnSync(npm, ['install', '-g', '--prefix', join(work, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)], { cwd: work, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    medallion = join(work, 'prefix', process.platform === 'win32' ? 'medallion.cmd' : join('bin', 'medallion'));
    outside = mkdtempSync(join(tmpdir(), 'medallion-outside-'));
    mkdirSync(join(work, 'xdg-cache'));
  });

  it('the package is the CLI package, not the extension, and holds only what it needs', () => {
    const installed = join(work, 'prefix', 'lib', 'node_modules', 'medallion-cli');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { name: string; version: string };
    const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(manifest.name, 'medallion-cli');
    assert.equal(root.name, 'medallion', 'the root manifest stays the extension\'s');
    assert.equal(manifest.version, root.version);
    assert.deepEqual(readdirSync(join(installed, 'dist')).sort(), ['aws-s3.js', 'code-cache.js', 'databricks-driver.js', 'lsp-server.js', 'medallion.js', 'sql-parser.js']);
  });

  it('--version, init and build from a folder outside the repository', () => {
    assert.equal(run(['--version']).stdout, `medallion ${(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    assert.equal(run(['init', 'shop']).code, 0);
    const built = run(['build'], join(outside, 'shop'));
    assert.equal(built.code, 0, built.stdout + built.stderr);
    assert.match(built.stdout, /PASS=16 WARN=0 ERROR=0 SKIP=0 TOTAL=16/);
    // The installed bundle's code cache, written by those runs, is what the next command starts from.
    assert.equal(readdirSync(join(work, 'xdg-cache', 'medallion', 'code-cache')).filter((f) => f.endsWith('.bin')).length, 1);
    const again = run(['ls'], join(outside, 'shop'), { MEDALLION_CODE_CACHE: 'debug' });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^medallion code cache: accepted /m);
  });

  it('the Databricks driver and the S3 client load from the package (and fail only on the connection)', () => {
    const shop = join(outside, 'shop');
    mkdirSync(join(shop, 'dbx'));
    writeFileSync(join(shop, 'dbx', 'profiles.yml'), 'shop:\n  target: databricks\n  outputs:\n    databricks:\n      type: databricks\n      host: 127.0.0.1\n      port: 9\n      http_path: /sql/1.0/warehouses/x\n      catalog: main\n      schema: s\n      connect_retries: 0\n');
    const connect = run(['show', 'gold_daily_revenue', '--profiles-dir', join(shop, 'dbx')], shop, { DATABRICKS_TOKEN: 'x' });
    assert.equal(connect.code, 1);
    assert.match(connect.stderr, /Cannot connect to Databricks at 127\.0\.0\.1/);
    assert.doesNotMatch(connect.stderr, /Cannot find module/);
    const s3 = run(['landing', 'ls', '--landing', 's3://medallion-bucket/x'], shop, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'us-east-1' });
    assert.match(s3.stderr, /Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9/);
    assert.doesNotMatch(s3.stderr, /Cannot find module/);
  });

  it('lsp --stdio answers, and column lineage loads the SQL parser bundle', async () => {
    const shop = join(outside, 'shop');
    const server = spawn(medallion, ['lsp', '--stdio'], { cwd: shop, stdio: ['pipe', 'pipe', 'pipe'], env: env() });
    const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('workspace/configuration', () => []);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.listen();
    try {
      const init = await rpc.sendRequest<{ capabilities: { definitionProvider?: unknown } }>('initialize', { processId: process.pid, rootUri: pathToFileURL(shop).toString(), capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(shop).toString(), name: 'shop' }] });
      assert.ok(init.capabilities.definitionProvider);
      await rpc.sendNotification('initialized', {});
      const lineage = await rpc.sendRequest<{ nodes: Array<{ name: string }>; columnEdges?: unknown[] }>('medallion/lineage', { uri: pathToFileURL(join(shop, 'models', 'gold', 'gold_daily_revenue.sql')).toString(), columns: true });
      assert.ok(lineage.nodes.some((n) => n.name === 'silver_orders'));
      assert.ok((lineage.columnEdges ?? []).length > 0, 'column edges come from the SQL parser bundle');
      await rpc.sendRequest('shutdown');
      await rpc.sendNotification('exit');
    } finally {
      rpc.dispose();
      server.kill();
    }
  });

});
