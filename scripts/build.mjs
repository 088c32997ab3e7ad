// Build: type-check and emit everything to out/ (tests and benches run from there),
// then bundle the shipped entry points into dist/ with esbuild.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });

await build({
  entryPoints: { medallion: 'server/src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['@duckdb/node-api', '@databricks/sql'],
  logLevel: 'warning',
});
