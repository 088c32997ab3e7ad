// `npm run package`: the VS Code extension as medallion-<version>.vsix, made by @vscode/vsce from a
// staging folder (.cache/vsix/) that holds only what ships:
//   dist/ (the esbuild bundles: extension, language server, Databricks driver, SQL parser, S3 client, webview scripts; no source maps),
//   package.json (no scripts, no dev dependencies; dependencies = only what the bundles keep external),
//   README.md and the images it shows, LICENSE when there is one, syntaxes/, media/ when there is one,
//   node_modules/ = `npm install --omit=dev` of the external packages only: @duckdb/node-api with its
//   native binding for this platform (the Databricks driver is bundled in dist/).
// The native binding makes the package platform-specific: it is marked with vsce's --target (this
// machine's platform). Prints the size and the file count. `--no-build` reuses dist/ as it is.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(repo, '.cache', 'vsix');
const require = createRequire(import.meta.url);
/** The packages the server bundles keep external (scripts/build.mjs): they ship in node_modules. */
const EXTERNAL = ['@duckdb/node-api'];
/** What ships of dist/: not the CLI bundle, not the source maps. */
const DIST = ['extension.js', 'lsp-server.js', 'databricks-driver.js', 'sql-parser.js', 'aws-s3.js', 'lineage-view.js', 'results-view.js'];

function vsceTarget() {
  const { platform, arch } = process;
  if (platform === 'linux' && existsSync('/etc/alpine-release')) return `alpine-${arch}`;
  if (platform === 'linux' && arch === 'arm') return 'linux-armhf';
  return `${platform}-${arch}`;
}

/** Entries of a zip file, from its end-of-central-directory record. */
function zipEntries(file) {
  const buf = readFileSync(file);
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) return buf.readUInt16LE(i + 10);
  }
  throw new Error(`${file} is not a zip file`);
}

export function packageExtension({ build = true, log = console.log } = {}) {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  if (build) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: repo });
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'dist'), { recursive: true });
  for (const file of DIST) cpSync(join(repo, 'dist', file), join(stage, 'dist', file));
  cpSync(join(repo, 'syntaxes'), join(stage, 'syntaxes'), { recursive: true });
  cpSync(join(repo, 'README.md'), join(stage, 'README.md'));
  // The images the README shows, at the same relative paths (VS Code shows the README from the install).
  for (const [, image] of readFileSync(join(repo, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (!/^[a-z]+:/i.test(image) && existsSync(join(repo, image))) {
      mkdirSync(dirname(join(stage, image)), { recursive: true });
      cpSync(join(repo, image), join(stage, image));
    }
  }
  for (const optional of ['LICENSE', 'LICENSE.md', 'CHANGELOG.md', 'media']) {
    if (existsSync(join(repo, optional))) cpSync(join(repo, optional), join(stage, optional), { recursive: true });
  }
  cpSync(join(repo, '.vscodeignore'), join(stage, '.vscodeignore'));

  // The manifest that ships: exact versions of what was built and tested against.
  const dependencies = {};
  for (const name of EXTERNAL) dependencies[name] = JSON.parse(readFileSync(require.resolve(`${name}/package.json`, { paths: [repo] }), 'utf8')).version;
  const shipped = { ...pkg, dependencies };
  for (const key of ['devDependencies', 'scripts', 'bin']) delete shipped[key];
  writeFileSync(join(stage, 'package.json'), JSON.stringify(shipped, null, 2) + '\n');
  execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], { cwd: stage, stdio: 'inherit' });

  // The DuckDB binding of this platform must be there, and load.
  const binding = `@duckdb/node-bindings-${process.platform}-${process.arch}`;
  if (!existsSync(join(stage, 'node_modules', binding))) throw new Error(`${binding} was not installed into the package`);
  execFileSync(process.execPath, ['-e', "const d=require('@duckdb/node-api');d.DuckDBInstance.create(':memory:').then(async(i)=>{const c=await i.connect();const r=await c.runAndReadAll('select 42');if(Number(r.getRows()[0][0])!==42)process.exit(1);c.closeSync();i.closeSync();})"], { cwd: stage, stdio: 'inherit' });

  const target = vsceTarget();
  const out = join(repo, `${pkg.name}-${pkg.version}.vsix`);
  rmSync(out, { force: true });
  const args = ['package', '--target', target, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
  if (!existsSync(join(stage, 'LICENSE')) && !existsSync(join(stage, 'LICENSE.md'))) args.push('--skip-license');
  execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce', { paths: [repo] }), ...args], { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] });
  const bytes = statSync(out).size;
  const files = zipEntries(out);
  log(`${out.slice(repo.length + 1)}: ${(bytes / 1024 / 1024).toFixed(1)} MB, ${files} zip entries (vsce target ${target})`);
  return { file: out, bytes, files, target };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    packageExtension({ build: !process.argv.includes('--no-build') });
  } catch (err) {
    console.error(err.message ?? err);
    process.exit(1);
  }
}
