// Build: type-check and emit everything to out/ (tests and benches run from there),
// then bundle the shipped entry points into dist/ with esbuild.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
// tsc never deletes outputs of moved or deleted sources; a stale out/x.js would shadow out/x/index.js.
rmSync('out', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
// The webview script runs in a browser: its own settings (DOM, ES modules), type-checked only.
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.webview.json'], { stdio: 'inherit' });

const common = { outdir: 'dist', bundle: true, sourcemap: true, logLevel: 'warning' };
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

// The VS Code extension (vscode is provided by the editor).
await build({ ...node, entryPoints: { extension: 'client/src/extension.ts' }, external: ['vscode'] });

// The webviews' scripts run in the browser sandbox of a webview. The lineage layout runs in a web
// worker; a webview can start one only from a blob, so its bundle is embedded in the view's script.
const worker = await build({ ...common, sourcemap: false, write: false, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['client/src/webview/layout-worker.ts'] });
const define = { LAYOUT_WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) };
await build({ ...common, platform: 'browser', target: 'es2022', format: 'iife', define, entryPoints: { 'lineage-view': 'client/src/webview/lineage.ts', 'results-view': 'client/src/webview/results.ts' } });

// The command line and the language server. DuckDB's native binding stays in node_modules (and
// ships in the .vsix, see scripts/package.mjs). The Databricks driver (pure JS, large) is its own
// bundle, dist/databricks-driver.js, loaded only when a Databricks target is used: the server starts
// without parsing it. Its optional native parts (LZ4 result compression, the Rust "kernel" backend)
// load only on request, which we never make. The SQL parser of column lineage (node-sql-parser,
// 4 MB, most of the server bundle) is its own bundle too, dist/sql-parser.js: only a lineage request
// with columns loads it, and parsing it took ~0.1 s of every server start. So is the S3 client
// (dist/aws-s3.js, 1.4 MB), loaded only when landing files go to or come from S3.
// The CLI compiles its bundle through a V8 code cache (server/src/node/code-cache.ts, its own small
// bundle loaded by bin/medallion.js), i.e. with vm.Script, where a dynamic import() fails on Node
// versions without vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER (< 20.12). So the bundles' dynamic
// imports of what stays outside them become require() calls: each goes through a one-line module
// `module.exports = require(<the same name>)` (that require is external), which esbuild bundles and
// imports as it does any CommonJS module.
const lazyBundles = { '@databricks/sql': './databricks-driver.js', 'node-sql-parser': './sql-parser.js', '@aws-sdk/client-s3': './aws-s3.js' };
const outside = {
  name: 'outside-the-bundle',
  setup(b) {
    b.onResolve({ filter: /^(@databricks\/sql|node-sql-parser|@aws-sdk\/client-s3|@duckdb\/node-api)$/ }, (args) => {
      if (args.kind === 'dynamic-import') return { path: args.path, namespace: 'require-outside' };
      return { path: lazyBundles[args.path] ?? args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'require-outside' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, resolveDir: '.', loader: 'js' }));
  },
};
// `medallion lsp` loads dist/lsp-server.js (server/src/cli/main.ts, startLanguageServer): the CLI's bundle
// keeps the server's require (run only from tsc's out/) outside, and so none of the LSP libraries.
const cliMain = resolve('server/src/cli/main.ts');
const serverOutsideCli = {
  name: 'language-server-outside-the-cli',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/lsp\/server$/ }, (args) => (args.importer === cliMain ? { path: args.path, external: true } : undefined));
  },
};
await build({ ...node, entryPoints: { medallion: 'server/src/cli/main.ts', 'lsp-server': 'server/src/lsp/main.ts' }, plugins: [serverOutsideCli, outside] });
// esbuild writes code ASCII-only (charset 'ascii') but keeps comments on class fields as written: one
// `→` made the whole bundle a two-byte string, decoded as UTF-8 on every start (~3-10 ms of the CLI's
// start-up). Outside comments a \uXXXX escape means the same character, so every bundle is ASCII and the
// launcher decodes it as Latin-1 (server/src/node/code-cache.ts).
// Each is written as a new file renamed over the old: the code cache is keyed by the bundle file's
// inode, size and times, not its content, and esbuild rewrites a file in place (the same inode).
for (const file of ['dist/medallion.js', 'dist/lsp-server.js']) {
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(`${file}.tmp`, ascii);
  renameSync(`${file}.tmp`, file);
}
await build({ ...node, entryPoints: { 'code-cache': 'server/src/node/code-cache.ts' } });
await build({ ...node, entryPoints: { 'databricks-driver': '@databricks/sql' }, external: ['lz4', 'lz4-napi', '@databricks/databricks-sql-kernel-*'] });
await build({ ...node, entryPoints: { 'sql-parser': 'node-sql-parser' } });
await build({ ...node, entryPoints: { 'aws-s3': '@aws-sdk/client-s3' } });
