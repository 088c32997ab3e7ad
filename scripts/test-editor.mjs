// `npm run test:editor`: the in-editor suite inside a real VS Code. Here that is the VS Code
// server shipped in the code-server npm package (installed into .cache/, test-only), opened in
// headless Chromium with the extension under development and the suite passed as URL payload;
// on a desktop the same suite runs under @vscode/test-electron (test/editor/run-electron.mjs).
// Then the extension is packaged (scripts/package.mjs), the .vsix installed into a fresh
// extensions folder, and the UI tests drive that installed extension: what is tested is what
// ships. An s3rver on 127.0.0.1 stands in for S3. Prints "N passed, M failed".
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageExtension } from './package.mjs';
import { prepareWorkspace } from '../test/editor/workspace.mjs';

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

/** Installs the packaged extension into a fresh extensions folder with the VS Code server's own CLI. */
function installVsix(vsix, dataDir) {
  const extensions = join(dirname(dataDir), 'installed-extensions');
  mkdirSync(extensions, { recursive: true });
  const out = execFileSync(process.execPath, [serverMain, '--install-extension', vsix, '--extensions-dir', extensions, '--server-data-dir', dataDir, '--accept-server-license-terms'], { encoding: 'utf8' });
  if (!/successfully installed/.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
  const installed = JSON.parse(readFileSync(join(extensions, 'extensions.json'), 'utf8')).map((e) => `${e.identifier.id}@${e.version}`);
  if (!installed.includes('medallion.medallion@' + JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version)) throw new Error(`installed: ${installed}`);
  return extensions;
}

/**
 * What a person does, through the UI: F12 on a ref, a command from the palette, the lineage view,
 * the Models view's context menu. A fresh VS Code server with only the installed .vsix (no
 * development path, no test payload); screenshots go to test/.artifacts/.
 */
async function uiTests(workspace, dataDir, extensions) {
  const results = [];
  const port = await freePort();
  const server = spawn(process.execPath, [serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms', '--server-data-dir', dataDir, '--extensions-dir', extensions], {
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
    const payload = [['skipWelcome', 'true']];
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
    await step('UI: the lineage view renders beside the model, with the last run on its nodes; wheel zooms, Fit fits', async () => {
      await palette('Medallion: Show Lineage');
      const frame = page.frameLocator('iframe.webview').frameLocator('iframe');
      await frame.locator('svg g.node', { hasText: 'bronze_orders' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // Run with Upstream above built silver_orders: its node says so.
      await frame.locator('svg g.node.status-success', { hasText: 'silver_orders' }).waitFor({ state: 'visible', timeout: 10_000 });
      await page.screenshot({ path: join(artifacts, 'ui-lineage.png') });
      const svg = frame.locator('#graph svg');
      const fitted = Number(await svg.getAttribute('data-scale'));
      const box = await frame.locator('#graph').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -400);
      await frame.locator('#graph svg').and(frame.locator(`svg:not([data-scale="${fitted.toFixed(3)}"])`)).waitFor({ timeout: 5000 });
      const zoomed = Number(await svg.getAttribute('data-scale'));
      if (!(zoomed > fitted)) throw new Error(`the wheel did not zoom in: ${fitted} → ${zoomed}`);
      // Drag pans: the view box moves, the scale stays.
      const before = await svg.getAttribute('viewBox');
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 40, { steps: 5 });
      await page.mouse.up();
      if ((await svg.getAttribute('viewBox')) === before) throw new Error('dragging did not pan');
      // Fit: every node inside the panel again.
      await frame.locator('#fit').click();
      await frame.locator(`#graph svg[data-scale="${zoomed.toFixed(3)}"]`).waitFor({ state: 'detached', timeout: 5000 });
      const area = await frame.locator('#graph').boundingBox();
      for (const node of await frame.locator('svg g.node rect').all()) {
        const b = await node.boundingBox();
        if (b.x < area.x - 1 || b.y < area.y - 1 || b.x + b.width > area.x + area.width + 1 || b.y + b.height > area.y + area.height + 1) throw new Error(`after Fit a node is outside the view: ${JSON.stringify(b)} not in ${JSON.stringify(area)}`);
      }
    });
    await step('UI: the Medallion Models view: Run Model with Upstream from a model\'s context menu, its status in the tree', async () => {
      await page.keyboard.press('Control+Shift+E');
      // Room for the tree: fold the file explorer's section, unfold Medallion Models.
      const files = page.locator('.pane-header', { hasText: 'sample' }).first();
      if ((await files.getAttribute('aria-expanded')) === 'true') await files.click();
      const header = page.locator('.pane-header', { hasText: 'Medallion Models' });
      await header.waitFor({ state: 'visible', timeout: 15_000 });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      const row = page.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^silver_users$/ }) });
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await row.click({ button: 'right' });
      const item = page.locator('.monaco-menu .action-label', { hasText: /^Run Model with Upstream$/ });
      await item.click();
      // VS Code menus may swallow a click that lands while they open: the item stays highlighted and the
      // menu stays up. Then the highlighted item is chosen with Enter, as a person would.
      const menuClosed = await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 3000 }).then(() => true, () => false);
      if (!menuClosed) {
        await item.hover();
        await page.keyboard.press('Enter');
      }
      await row.locator('.label-description', { hasText: 'success' }).waitFor({ state: 'visible', timeout: 90_000 });
      await page.screenshot({ path: join(artifacts, 'ui-models-view.png') });
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
  const started = Date.now();
  ensureCodeServer();
  execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'medallion-editor-'));
  const { workspace, orders } = prepareWorkspace(work);
  // S3 for Upload Landing Files: a real s3rver (its credentials reach the extension host's environment).
  const { startS3rver, S3RVER_CREDENTIALS } = createRequire(import.meta.url)(join(repo, 'out', 'test', 'support', 's3rver.js'));
  const s3 = await startS3rver({ buckets: ['lake'] });
  try {
    await run(work, workspace, orders, s3, S3RVER_CREDENTIALS, started);
  } finally {
    await s3.stop();
  }
}

async function run(work, workspace, orders, s3, credentials, started) {
  const dataDir = join(work, 'server-data');
  const settings = JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' });
  for (const dir of [join(dataDir, 'data', 'User'), join(dataDir, 'User')]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'settings.json'), settings);
  }
  const results = join(work, 'results.json');
  const port = await freePort();
  const server = spawn(process.execPath, [serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms', '--server-data-dir', dataDir], {
    env: {
      ...process.env,
      MEDALLION_EDITOR_RESULTS: results,
      MEDALLION_REPO: repo,
      MEDALLION_EDITOR_ORDERS: String(orders),
      MEDALLION_EDITOR_S3_ENDPOINT: s3.endpoint,
      MEDALLION_EDITOR_S3_DIR: s3.directory,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      HOME: work,
    },
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
  // The UI tests run against the packaged extension, installed from its .vsix.
  const packaged = packageExtension({ build: false });
  const extensions = installVsix(packaged.file, dataDir);
  outcome.push(...(await uiTests(workspace, dataDir, extensions)));
  for (const r of outcome) console.log(`${r.ok ? 'ok    ' : 'not ok'} ${r.name} (${r.ms} ms)${r.ok ? '' : `\n${r.error}`}`);
  const passed = outcome.filter((r) => r.ok).length;
  const failed = outcome.length - passed;
  console.log(`editor: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s; UI tests on ${packaged.file.slice(repo.length + 1)}, ${(packaged.bytes / 1024 / 1024).toFixed(1)} MB, ${packaged.files} files)`);
  process.exit(failed === 0 && outcome.length > 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
