// The workspace the in-editor suite and the UI tests open: a copy of the sample project (models/)
// with generated landing data, Jinja SQL associated with *.sql. Shared by scripts/test-editor.mjs
// (VS Code server + Chromium) and test/editor/run-electron.mjs (@vscode/test-electron).
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Creates `<work>/sample`; needs `npm run build` first (the landing-data generator is in out/). */
export function prepareWorkspace(work, orders = 300) {
  const workspace = join(work, 'sample');
  cpSync(join(repo, 'models'), workspace, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
  execFileSync(process.execPath, [join(repo, 'out', 'server', 'src', 'sample', 'cli.js'), '--out', join(workspace, 'landing-data'), '--orders', String(orders)]);
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.associations': { '*.sql': 'jinja-sql' } }));
  return { workspace, orders };
}
