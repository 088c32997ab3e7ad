// `npm run test:editor`: the in-editor suite inside a real VS Code. Here that is the VS Code
// server shipped in the code-server npm package (installed into .cache/, test-only), opened in
// headless Chromium with the extension under development and the suite passed as URL payload;
// on a desktop the same suite runs under @vscode/test-electron. Prints "N passed, M failed".
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const csDir = join(repo, '.cache', 'code-server');
const serverMain = join(csDir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

function ensureCodeServer() {
  if (existsSync(serverMain)) return;
  if (!existsSync('/usr/bin/rg')) throw new Error('ripgrep is missing: apt-get install -y ripgrep (code-server needs it)');
  // @vscode/ripgrep downloads rg from GitHub unless its cache already holds it: seed the cache.
  const seed = mkdtempSync(join(tmpdir(), 'rg-'));
  cpSync('/usr/bin/rg', join(seed, 'rg'));
  mkdirSync('/tmp/vscode-ripgrep-cache-1.15.11', { recursive: true });
  execFileSync('tar', ['czf', '/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz', '-C', seed, 'rg']);
  mkdirSync(csDir, { recursive: true });
  writeFileSync(join(csDir, 'package.json'), '{"private":true}');
  execFileSync('npm', ['install', 'code-server@4.100.3', '--no-audit', '--no-fund'], { cwd: csDir, stdio: 'inherit', env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true' } });
}

/**
 * What a person does, through the UI: F12 on a ref, a command from the palette, the lineage view.
 * A fresh VS Code server with the extension under development (no test payload); screenshots go
 * to test/.artifacts/.
 */
async function uiTests(workspace, dataDir) {
  const results = [];
  const port = await freePort();
  const server = spawn(process.execPath, [serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms', '--server-data-dir', dataDir], {
    env: { ...process.env, HOME: dirname(dataDir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const started = new Promise((res) => {
    const check = (d) => {
      log += d;
      if (log.includes('Extension host agent started')) res();
    };
    server.stdout.on('data', check);
    server.stderr.on('data', check);
  });
  await started;
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
  const artifacts = join(repo, 'test', '.artifacts');
  mkdirSync(artifacts, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const step = async (name, body) => {
    const t = Date.now();
    try {
      await body();
      results.push({ name, ok: true, ms: Date.now() - t });
    } catch (err) {
      await page.screenshot({ path: join(artifacts, `failed-${name.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
      results.push({ name, ok: false, error: String(err?.stack ?? err), ms: Date.now() - t });
    }
  };
  /** Quick Open, then a click on the row of that file (Enter would take whatever row is first). */
  const openFile = async (relative) => {
    const name = relative.split('/').pop();
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(relative);
    // Wait until the list has settled on that file as its first row, then take it.
    await page.locator('.quick-input-list .monaco-list-row').first().filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible' });
  };
  const palette = async (command) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${command}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
  };
  try {
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${repo}`], ['skipWelcome', 'true']];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await step('UI: F12 on a ref opens the referenced model', async () => {
      await openFile('models/silver/silver_orders.sql');
      const ref = page.locator('.monaco-editor .view-line span', { hasText: 'bronze_orders' }).first();
      await ref.waitFor({ state: 'visible', timeout: 30_000 });
      await ref.click();
      // The language server may still be indexing: press F12 until the tab opens (bounded).
      const tab = page.locator('.tabs-container .tab', { hasText: 'bronze_orders.sql' });
      for (let i = 0; i < 20 && !(await tab.isVisible()); i++) {
        await page.keyboard.press('F12');
        await tab.waitFor({ state: 'visible', timeout: 1500 }).catch(() => undefined);
      }
      await tab.waitFor({ state: 'visible', timeout: 5000 });
      await page.screenshot({ path: join(artifacts, 'ui-f12.png') });
    });
    await step('UI: Run Model with Upstream from the command palette', async () => {
      await openFile('models/silver/silver_orders.sql');
      await palette('Medallion: Run Model with Upstream');
      await page.locator('.output-view, .panel', { hasText: 'SUCCESS silver_orders' }).first().waitFor({ state: 'visible', timeout: 60_000 });
      await page.screenshot({ path: join(artifacts, 'ui-run-model.png') });
    });
    await step('UI: the lineage view renders beside the model', async () => {
      await palette('Medallion: Show Lineage');
      const frame = page.frameLocator('iframe.webview').frameLocator('iframe');
      await frame.locator('svg g.node', { hasText: 'bronze_orders' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.screenshot({ path: join(artifacts, 'ui-lineage.png') });
    });
  } finally {
    await browser.close();
    server.kill();
  }
  return results;
}

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function main() {
  ensureCodeServer();
  execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'medallion-editor-'));
  const workspace = join(work, 'sample');
  cpSync(join(repo, 'models'), workspace, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
  const orders = 300;
  execFileSync(process.execPath, [join(repo, 'out', 'server', 'src', 'sample', 'cli.js'), '--out', join(workspace, 'landing-data'), '--orders', String(orders)]);
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.associations': { '*.sql': 'jinja-sql' } }));
  const dataDir = join(work, 'server-data');
  const settings = JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' });
  for (const dir of [join(dataDir, 'data', 'User'), join(dataDir, 'User')]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'settings.json'), settings);
  }
  const results = join(work, 'results.json');
  const port = await freePort();
  const server = spawn(process.execPath, [serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms', '--server-data-dir', dataDir], {
    env: { ...process.env, MEDALLION_EDITOR_RESULTS: results, MEDALLION_REPO: repo, MEDALLION_EDITOR_ORDERS: String(orders), HOME: work },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`VS Code server did not start:\n${log}`)), 60_000);
    const check = () => log.includes('Extension host agent started') && (clearTimeout(timer), res());
    server.stdout.on('data', check);
    server.stderr.on('data', check);
  });

  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
  try {
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(repo)],
      ['extensionTestsPath', remote(join(repo, 'out', 'test', 'editor', 'suite', 'index.js'))],
      ['skipWelcome', 'true'],
    ];
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    // Wait for the suite's results file (a condition, bounded so a hang fails with the server log).
    await new Promise((res, rej) => {
      const deadline = Date.now() + 240_000;
      const timer = setInterval(() => {
        if (existsSync(results)) {
          clearInterval(timer);
          res();
        } else if (Date.now() > deadline) {
          clearInterval(timer);
          rej(new Error(`the in-editor suite wrote no results within 4 minutes; server log:\n${log.slice(-4000)}`));
        }
      }, 250);
    });
    const artifacts = join(repo, 'test', '.artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'editor-after-suite.png') });
  } finally {
    await browser.close();
    server.kill();
  }
  const outcome = JSON.parse(readFileSync(results, 'utf8'));
  outcome.push(...(await uiTests(workspace, dataDir)));
  for (const r of outcome) console.log(`${r.ok ? 'ok    ' : 'not ok'} ${r.name} (${r.ms} ms)${r.ok ? '' : `\n${r.error}`}`);
  const passed = outcome.filter((r) => r.ok).length;
  const failed = outcome.length - passed;
  console.log(`editor: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && outcome.length > 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
