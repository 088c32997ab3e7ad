/**
 * `npm run bench:columns`: the column model on generated projects whose SQL binds on DuckDB.
 * - 1,000 models: the whole column model (every source, model and snapshot bound in DAG order).
 * - 10,000 models plus one model reading 20 parents: the whole column model once, then the
 *   as-you-type check of that model (an edit applied incrementally to the analysis, then the
 *   column refresh: compile, bind, parse tree, lineage, span map of a problem), p50/p99.
 * - hover and completion on that model at 10k models, p50/p99.
 * Nothing here asserts; it prints what it measured and the machine's load.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { openColumnService } from '../server/src/columns/open';
import { analyzeProject } from '../server/src/core/analysis';
import { columnCompletionsAt, columnHoverAt } from '../server/src/core/columns/ide';
import { createCompiler } from '../server/src/core/session';
import { updateModelText } from '../server/src/core/incremental';
import { ScanCache } from '../server/src/core/loader';
import { NodeFileHost } from '../server/src/node/fs-host';
import { generateProject } from './generate-project';
import { percentile } from './percentile';

const repo = resolve(__dirname, '..', '..');
const cache = join(repo, '.cache', 'bench');

const summary = (xs: number[]): string => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms (n=${xs.length})`;

function ensureProject(dir: string, models: number): void {
  if (existsSync(join(dir, '.complete'))) return;
  generateProject(dir, models, 'bench_columns', { typedColumns: true });
  writeFileSync(join(dir, '.complete'), '');
}

/** A gold model reading 20 models of the project, the as-you-type subject. */
const WIDE = 'models/gold/wide_model.sql';
function wideModel(dir: string, models: number): string {
  const parents = Array.from({ length: 20 }, (_, k) => `gold_model_${models - 1 - k * 7}`);
  const joins = parents.slice(1).map((p, k) => `left join {{ ref('${p}') }} as p${k + 1} on p${k + 1}.id = b.id`).join('\n');
  const text = `select\n    b.id,\n    b.created_at,\n    b.status,\n${parents.slice(1).map((_, k) => `    p${k + 1}.amount as amount_${k + 1},`).join('\n')}\n    b.amount\nfrom {{ ref('${parents[0]}') }} as b\n${joins}\n`;
  writeFileSync(join(dir, WIDE), text);
  return text;
}

async function wholeModel(models: number): Promise<void> {
  const dir = join(cache, `columns-${models}`);
  ensureProject(dir, models);
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, dir);
  const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [dir] });
  const service = await openColumnService(compiler.options.target, { projectRoot: dir, env: {} });
  const started = performance.now();
  const model = await service.submit({ analysis, compiler, version: 1 });
  const ms = performance.now() - started;
  let exact = 0;
  let problems = 0;
  for (const e of model.entries()) {
    if (e.exact) exact++;
    problems += e.problems.length;
  }
  process.stdout.write(`${models} models: column model of ${model.size} nodes in ${(ms / 1000).toFixed(2)} s (${exact} exact, ${problems} problems)\n`);
  await service.close();
}

async function asYouType(models: number, edits: number): Promise<void> {
  const dir = join(cache, `columns-${models}`);
  ensureProject(dir, models);
  const original = existsSync(join(dir, WIDE)) ? readFileSync(join(dir, WIDE), 'utf8') : wideModel(dir, models);
  const host = new NodeFileHost();
  const scans = new ScanCache();
  const analysis = analyzeProject(host, dir, { cache: scans });
  const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [dir] });
  const service = await openColumnService(compiler.options.target, { projectRoot: dir, env: {} });
  let started = performance.now();
  await service.submit({ analysis, compiler, version: 1 });
  const wholeMs = performance.now() - started;
  globalThis.gc?.();
  process.stdout.write(`${models} models + a model of 20 parents: whole column model in ${(wholeMs / 1000).toFixed(2)} s; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (analysis and column model)\n`);

  const id = analysis.project.files.get(WIDE)!.nodeIds[0]!;
  const check: number[] = [];
  const cpu: number[] = [];
  const update: number[] = [];
  let flagged = 0;
  const warmUp = 10;
  for (let i = -warmUp; i < edits; i++) {
    // Typing: a changed literal every time (new SQL, so nothing comes from the cache); every 10th edit misspells a column.
    const typo = i % 10 === 9;
    const text = original.replace('    b.status,', typo ? `    b.statsu,\n    ${i + warmUp} as n,` : `    b.status,\n    ${i + warmUp} as n,`);
    started = performance.now();
    const changed = new Set<string>();
    if (!updateModelText(analysis, WIDE, text, scans, changed)) throw new Error('the edit was not incremental');
    const updated = performance.now() - started;
    // The compiler renders from the analysis it was made with (updated in place): the server makes a new one per edit.
    const edited = createCompiler(host, analysis, { env: {}, profilesDirs: [dir] }).compiler;
    started = performance.now();
    const cpuBefore = process.cpuUsage();
    const model = await service.submit({ analysis, compiler: edited, version: i + warmUp + 2, changed: new Set([WIDE]) });
    const checked = performance.now() - started;
    const used = process.cpuUsage(cpuBefore);
    // The first edits warm the JIT and the caches: not counted.
    if (i < 0) continue;
    update.push(updated);
    check.push(checked);
    cpu.push((used.user + used.system) / 1000);
    if (typo && model.get(id)!.problems.some((p) => p.code === 'column-unknown')) flagged++;
  }
  process.stdout.write(`  (after ${warmUp} warm-up edits)\n  analysis update per edit: ${summary(update)}\n`);
  process.stdout.write(`  as-you-type binder check (compile + bind + lineage, and the span map of an error): ${summary(check)}; misspellings flagged ${flagged}/${Math.floor(edits / 10)}\n`);
  process.stdout.write(`  CPU time of the process (all threads, DuckDB's included) per check: ${summary(cpu)}\n`);
  process.stdout.write(`  slowest checks: ${check.map((ms, i) => [ms, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([ms, i]) => `#${i} ${ms.toFixed(1)} ms`).join(', ')}\n`);

  // Hover and completion on the (last, error-free) version of the wide model.
  const text = original.replace('    b.status,', `    b.status,\n    0 as n,`);
  updateModelText(analysis, WIDE, text, scans, new Set());
  const model = await service.submit({ analysis, compiler: createCompiler(host, analysis, { env: {}, profilesDirs: [dir] }).compiler, version: edits + warmUp + 2, changed: new Set([WIDE]) });
  const hover: number[] = [];
  const completion: number[] = [];
  const hoverAt = [text.indexOf('p7.amount') + 4, text.indexOf('b.created_at') + 3, text.indexOf('amount_12')];
  const completeAt = [text.indexOf('p3.amount') + 3, text.indexOf('    b.amount')];
  let answered = 0;
  for (let i = 0; i < 1000; i++) {
    started = performance.now();
    if (columnHoverAt(analysis, model, WIDE, text, hoverAt[i % hoverAt.length]!)) answered++;
    hover.push(performance.now() - started);
    started = performance.now();
    if (columnCompletionsAt(analysis, model, WIDE, text, completeAt[i % completeAt.length]!)?.length) answered++;
    completion.push(performance.now() - started);
  }
  process.stdout.write(`  hover: ${summary(hover)}\n  completion: ${summary(completion)} (${answered}/2000 answered)\n`);
  await service.close();
}

async function main(): Promise<void> {
  process.stdout.write(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  await wholeModel(1000);
  await asYouType(Number(process.env.MEDALLION_BENCH_MODELS ?? 10_000), 200);
  process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

void main();
