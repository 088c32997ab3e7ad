// Runs the linter, then every compiled test file (out/test/**/*.test.js) with node's built-in runner.
// Usage: node scripts/test.mjs [substring ...]  (filters test files by path; no lint then)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}
const filters = process.argv.slice(2);
if (filters.length === 0) {
  const lint = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', 'server/src', 'client/src', 'test', 'bench'], { stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('lint failed (npm run lint)');
    process.exit(lint.status ?? 1);
  }
}
const files = walk('out/test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
// A bare `node --test` would run every file it finds (editor suite included): a filter that matches nothing is a mistake.
if (files.length === 0) {
  console.error(`no test file matches ${filters.join(' ')}`);
  process.exit(2);
}
// A hung test (or a test file whose process never exits) must fail the run, not stall CI until its
// own deadline: each test has a timeout, and the whole run a watchdog that kills its process group.
const TEST_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = Number(process.env.MEDALLION_TEST_RUN_TIMEOUT_MS ?? 45 * 60_000);
// Tests write their fixture projects under os.tmpdir() (and the servers and CLIs they start, theirs): one
// folder per run, removed when the run ends, instead of a few hundred folders left in /tmp by every run.
const runTmp = mkdtempSync(join(tmpdir(), 'medallion-test-run-'));
const removeRunTmp = () => rmSync(runTmp, { recursive: true, force: true, maxRetries: 3 });
const env = { ...process.env, TMPDIR: runTmp, TMP: runTmp, TEMP: runTmp };
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files], { stdio: 'inherit', detached: true, env });
const killGroup = () => {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
};
const watchdog = setTimeout(() => {
  console.error(`\ntest run exceeded ${RUN_TIMEOUT_MS / 60_000} minutes: killed (a test file did not finish or its process did not exit)`);
  killGroup();
}, RUN_TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (killGroup(), removeRunTmp(), process.exit(130)));
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  // Test files left behind by a killed runner would keep the terminal (and CI's pipe) open.
  killGroup();
  removeRunTmp();
  process.exit(code ?? (signal ? 1 : 1));
});
