/**
 * `npm run bench:run` (issue: runner overhead). Nothing here asserts; it prints measured figures.
 *  (a) 1,000 trivial view models in a chain-and-fan DAG (50 deep, 20 wide), 4 threads:
 *      `medallion run` against dbt-core + dbt-duckdb's `dbt run` on the same project.
 *  (b) The sample pipeline over N generated orders (default 10M) with gold as tables:
 *      `medallion run` wall time against executing the same compiled SQL directly in DuckDB
 *      (one connection, CREATE TABLE AS in dependency order): the floor.
 *
 *   node out/bench/run-bench.js [--views 1000] [--orders 10000000] [--skip-dbt] [--runs 3] [--only a|b]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeProject } from '../server/src/core/analysis';
import { createCompiler } from '../server/src/core/session';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { NodeFileHost } from '../server/src/node/fs-host';
import { generateLanding } from '../server/src/sample/generator';

const repo = resolve(__dirname, '..', '..');
const cache = join(repo, '.cache', 'bench-run');
const bin = join(repo, 'bin', 'medallion.js');
const dbt = join(repo, '.cache', 'dbt-venv', 'bin', 'dbt');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function timed(cmd: string, args: string[], cwd: string): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1', NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${(r.stdout + r.stderr).split('\n').slice(-15).join('\n')}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function viewsProject(count: number): string {
  const root = join(cache, `views-${count}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'models'), { recursive: true });
  writeFileSync(join(root, 'dbt_project.yml'), `name: views\nprofile: views\nconfig-version: 2\nmodels:\n  views:\n    +materialized: view\n`);
  writeFileSync(join(root, 'profiles.yml'), `views:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/views.duckdb\n      schema: main\n      threads: 4\n`);
  const width = 20;
  for (let i = 0; i < count; i++) {
    const sql = i < width ? `select ${i} as id` : `select id + 1 as id from {{ ref('m_${i - width}') }}`;
    writeFileSync(join(root, 'models', `m_${i}.sql`), sql + '\n');
  }
  return root;
}

async function directFloor(root: string): Promise<{ ms: number; statements: number }> {
  // Compile with our compiler (the SQL is the same), then execute it straight on DuckDB.
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
  // Seeds and the snapshot were built before timing starts, as for the runner: only models are timed.
  const order = analysis.graph.topologicalOrder().map((id) => analysis.graph.node(id)!).filter((n) => n.resourceType === 'model');
  const statements: string[] = [];
  const schemas = new Set<string>();
  for (const node of order) {
    const relation = compiler.relation(node);
    schemas.add(`create schema if not exists ${resolved.dialect.quoteIdentifier(relation.schema!)}`);
    if (node.resourceType === 'seed') continue;
    const sql = compiler.compile(node.uniqueId).sql!;
    const kind = node.config.materialized === 'view' ? 'view' : 'table';
    statements.push(`create or replace ${kind} ${relation.render()} as (\n${sql}\n)`);
  }
  const engine = await DuckDbEngine.open(resolved.target, { projectRoot: root });
  const session = await engine.acquire();
  try {
    for (const s of schemas) await session.execute(s);
    const t = performance.now();
    for (const s of statements) await session.execute(s);
    return { ms: performance.now() - t, statements: statements.length };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(cache, { recursive: true });
  const runs = Number(arg('runs', '3'));
  const views = Number(arg('views', '1000'));
  const orders = Number(arg('orders', '10000000'));
  const lines: string[] = [];

  const only = arg('only', '');
  // (a) per-model overhead against dbt run
  if (only !== 'b') {
  const vroot = viewsProject(views);
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(join(vroot, 'target'), { recursive: true, force: true });
    ours.push(timed(process.execPath, [bin, 'run', '--threads', '4', '--project', vroot], vroot));
  }
  lines.push(`(a) ${views} view models, 4 threads: medallion run ${median(ours).toFixed(0)} ms (median of ${runs}: ${ours.map((x) => x.toFixed(0)).join(', ')})`);
  if (existsSync(dbt) && !process.argv.includes('--skip-dbt')) {
    rmSync(join(vroot, 'target'), { recursive: true, force: true });
    const dbtMs = timed(dbt, ['run', '--threads', '4', '--profiles-dir', vroot, '--no-partial-parse'], vroot);
    lines.push(`    dbt run (dbt-core + dbt-duckdb, same project, 4 threads): ${dbtMs.toFixed(0)} ms → medallion is ${(dbtMs / median(ours)).toFixed(1)}x faster`);
  } else {
    lines.push('    dbt run: skipped (no .cache/dbt-venv; bash scripts/dbt_goldens/venv.sh makes one)');
  }
  }
  if (only === 'a') {
    process.stdout.write(lines.join('\n') + '\n');
    return;
  }

  // (b) runner overhead on real data against executing the same SQL directly
  const sroot = join(cache, `sample-${orders}`);
  if (!existsSync(join(sroot, '.complete'))) {
    rmSync(sroot, { recursive: true, force: true });
    cpSync(join(repo, 'models'), sroot, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
    const project = readFileSync(join(sroot, 'dbt_project.yml'), 'utf8').replace(/(gold:\s*\n\s*\+materialized:) view/, '$1 table');
    writeFileSync(join(sroot, 'dbt_project.yml'), project);
    process.stderr.write(`generating ${orders} orders...\n`);
    await generateLanding({ outDir: join(sroot, 'landing-data'), orders });
    writeFileSync(join(sroot, '.complete'), '');
  }
  rmSync(join(sroot, 'target'), { recursive: true, force: true });
  // Landing views, seeds and the snapshot first (the same for both sides), then time the models.
  timed(process.execPath, [bin, 'build', '--project', sroot, '--select', 'resource_type:seed resource_type:snapshot'], sroot);
  const runMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    runMs.push(timed(process.execPath, [bin, 'run', '--project', sroot, '--full-refresh'], sroot));
    floorMs.push((await directFloor(sroot)).ms);
  }
  const r = median(runMs);
  const f = median(floorMs);
  lines.push(`(b) sample pipeline models over ${orders} orders (gold as tables): medallion run ${r.toFixed(0)} ms vs the same SQL run directly ${f.toFixed(0)} ms → ${(r / f).toFixed(2)}x (runs: ${runMs.map((x) => x.toFixed(0)).join(', ')} / ${floorMs.map((x) => x.toFixed(0)).join(', ')})`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
