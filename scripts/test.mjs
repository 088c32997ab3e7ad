// Runs the linter, then every compiled test file (out/test/**/*.test.js) with node's built-in runner.
// Usage: node scripts/test.mjs [substring ...]  (filters test files by path; no lint then)
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
