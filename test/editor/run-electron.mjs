// `npm run test:electron`: the in-editor suite (test/editor/suite) in VS Code desktop, under
// @vscode/test-electron, on a machine where VS Code can be downloaded (into .cache/vscode-test/ on
// first run; on Linux without a display run it under `xvfb-run -a`). The same suite and workspace
// as `npm run test:editor`, which runs it in the VS Code server instead. Prints "N passed, M failed".
//   VSCODE_VERSION=1.100.3 npm run test:electron     (default: stable)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { prepareWorkspace, repo } from './workspace.mjs';

async function main() {
  const started = Date.now();
  execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'medallion-electron-'));
  const { workspace, orders } = prepareWorkspace(work);
  const userData = join(work, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }));
  const { startS3rver, S3RVER_CREDENTIALS } = createRequire(import.meta.url)(join(repo, 'out', 'test', 'support', 's3rver.js'));
  const s3 = await startS3rver({ buckets: ['lake'] });
  const results = join(work, 'results.json');
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      cachePath: join(repo, '.cache', 'vscode-test'),
      extensionDevelopmentPath: repo,
      extensionTestsPath: join(repo, 'out', 'test', 'editor', 'suite', 'index.js'),
      launchArgs: [workspace, '--user-data-dir', userData, '--extensions-dir', join(work, 'extensions'), '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: {
        MEDALLION_EDITOR_RESULTS: results,
        MEDALLION_REPO: repo,
        MEDALLION_EDITOR_ORDERS: String(orders),
        MEDALLION_EDITOR_S3_ENDPOINT: s3.endpoint,
        MEDALLION_EDITOR_S3_DIR: s3.directory,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      },
    });
  } finally {
    await s3.stop();
  }
  if (!existsSync(results)) throw new Error('the in-editor suite wrote no results');
  const outcome = JSON.parse(readFileSync(results, 'utf8'));
  for (const r of outcome) console.log(`${r.ok ? 'ok    ' : 'not ok'} ${r.name} (${r.ms} ms)${r.ok ? '' : `\n${r.error}`}`);
  const passed = outcome.filter((r) => r.ok).length;
  console.log(`electron: ${passed} passed, ${outcome.length - passed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  process.exit(passed === outcome.length && outcome.length > 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
