// Stages the CLI package (packages/cli) for `npm pack`: its bin and the bundles it ships, copied
// from the root build (`npm run build`). Run by the package's `prepack`; fails when a bundle is
// missing (run `npm run build` first).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'packages', 'cli');
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// One version and one DuckDB for the extension and the CLI.
if (manifest.version !== rootManifest.version) throw new Error(`packages/cli/package.json has version ${manifest.version}, the root ${rootManifest.version}: keep them equal`);
const duckdb = '@duckdb/node-api';
if (manifest.dependencies[duckdb] !== rootManifest.dependencies[duckdb]) throw new Error(`packages/cli/package.json depends on ${duckdb} ${manifest.dependencies[duckdb]}, the root on ${rootManifest.dependencies[duckdb]}`);

for (const file of manifest.files.filter((f) => f !== 'README.md')) {
  const from = join(root, file);
  if (!existsSync(from)) {
    process.stderr.write(`stage-cli: ${file} is missing: run \`npm run build\` in ${root} first\n`);
    process.exit(1);
  }
  mkdirSync(dirname(join(pkgDir, file)), { recursive: true });
  copyFileSync(from, join(pkgDir, file));
}
