// Build: type-check and emit everything to out/ (tests and benches run from there),
// then bundle the shipped entry points into dist/ with esbuild.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
// The webview script runs in a browser: its own settings (DOM, ES modules), type-checked only.
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.webview.json'], { stdio: 'inherit' });

// The VS Code extension (vscode is provided by the editor) and the language server it starts.
await build({
  entryPoints: { extension: 'client/src/extension.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
});

// The lineage webview's script runs in the browser sandbox of the webview.
await build({
  entryPoints: { 'lineage-view': 'client/src/webview/lineage.ts', 'results-view': 'client/src/webview/results.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: true,
  logLevel: 'warning',
});

await build({
  entryPoints: { medallion: 'server/src/cli/main.ts', 'lsp-server': 'server/src/lsp/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['@duckdb/node-api', '@databricks/sql'],
  logLevel: 'warning',
});
