/**
 * `npm run bench`: project load + scan + graph at 1k/10k/100k generated models against the read
 * floor (reading the same files in the same process), peak RSS, render-all time, and dbt-core's
 * `dbt parse` / `dbt compile` on the same project as the reference. Each size is measured in its
 * own child process so RSS figures do not mix. Medians of several runs; nothing here asserts.
 *
 *   node out/bench/core-bench.js [--sizes 1000,10000,100000] [--runs 5] [--dbt 1000,10000] [--dbt-compile 1000] [--node-flags both|server|default]
 *
 * Each size is loaded under the language server's node flags (client/src/server-flags.ts: the
 * load timed here is the server's reload, and they are what VS Code's client starts it with) and
 * under node's defaults (the CLI's `medallion parse`, and the figure before those flags); the
 * table names the flags of each row. `--one DIR RUNS render|no` measures in the current process,
 * under whatever flags it was started with (printed as `nodeFlags`).
 *
 * `--sites DIR [allocated|retained] [TOP]`: where one warm load of the project in DIR gets its
 * memory, by function (V8's sampling heap profiler): every byte it allocates, collected ones
 * included (what makes scavenges frequent), or what is still live after it (what scavenges copy
 * and promote: their cost follows these bytes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { Session, type HeapProfiler } from 'node:inspector';
import { join, resolve } from 'node:path';
import { analyzeProject } from '../server/src/core/analysis';
import { createCompiler } from '../server/src/core/session';
import { NodeFileHost } from '../server/src/node/fs-host';
import { generateProject } from './generate-project';
import { LANGUAGE_SERVER_NODE_FLAGS } from '../client/src/server-flags';

const repo = resolve(__dirname, '..', '..');
const cacheDir = join(repo, '.cache', 'bench');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface OneResult {
  models: number;
  nodes: number;
  files: number;
  floorMs: number;
  loadMs: number;
  loadRuns: number[];
  /** CPU time (user + system, all threads) per load: steadier than wall time on a shared machine. */
  loadCpuMs: number;
  loadCpuRuns: number[];
  renderAllMs?: number;
  renderFailures?: number;
  peakRssMb: number;
  /** The node flags the measuring process was started with. */
  nodeFlags: string[];
}

/** Runs inside the child: measures one generated project. */
function measureOne(root: string, runs: number, render: boolean): OneResult {
  const host = new NodeFileHost();
  const floor: number[] = [];
  let files = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    // The floor: list and read exactly the files the loader reads, nothing else.
    const list = host.list(root);
    for (const f of list) host.read(f);
    floor.push(performance.now() - t);
    files = list.length;
  }
  const load: number[] = [];
  const cpu: number[] = [];
  let analysis: ReturnType<typeof analyzeProject> | undefined = analyzeProject(host, root);
  for (let i = 0; i < runs; i++) {
    // Let the previous result go first: a user's process holds one project, not two.
    analysis = undefined;
    const c = process.cpuUsage();
    const t = performance.now();
    analysis = analyzeProject(host, root);
    load.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  if (!analysis) throw new Error('unreachable');
  const result: OneResult = {
    models: [...analysis.project.nodes.values()].filter((n) => n.resourceType === 'model').length,
    nodes: analysis.project.nodes.size,
    files,
    floorMs: median(floor),
    loadMs: median(load),
    loadRuns: load.map((x) => Math.round(x)),
    loadCpuMs: median(cpu),
    loadCpuRuns: cpu.map((x) => Math.round(x)),
    peakRssMb: 0,
    nodeFlags: process.execArgv,
  };
  if (render) {
    const t = performance.now();
    const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
    let failures = 0;
    for (const node of analysis.project.nodes.values()) {
      if (node.resourceType !== 'model') continue;
      if (compiler.compile(node.uniqueId).sql === undefined) failures++;
    }
    result.renderAllMs = performance.now() - t;
    result.renderFailures = failures;
  }
  result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return result;
}

/** `--sites`: one warm load's allocated or retained bytes by allocating function, largest first. */
function allocationSites(root: string, what: 'allocated' | 'retained', top: number): void {
  const host = new NodeFileHost();
  // Two loads first, so the measured one runs optimized code as the bench's warm loads do.
  let analysis: ReturnType<typeof analyzeProject> | undefined = analyzeProject(host, root);
  analysis = undefined;
  analysis = analyzeProject(host, root);
  analysis = undefined;
  const session = new Session();
  session.connect();
  const collected = what === 'allocated';
  // Both options exist in Node 20's V8 (DevTools protocol) but not yet in @types/node.
  const sampling: HeapProfiler.StartSamplingParameterType & { includeObjectsCollectedByMajorGC: boolean; includeObjectsCollectedByMinorGC: boolean } = {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: collected,
    includeObjectsCollectedByMinorGC: collected,
  };
  const failed = (err: Error | null): void => {
    if (err) throw err;
  };
  session.post('HeapProfiler.startSampling', sampling, failed);
  analysis = analyzeProject(host, root);
  if (!collected) session.post('HeapProfiler.collectGarbage', failed);
  session.post('HeapProfiler.stopSampling', (err, result) => {
    failed(err);
    const bytes = new Map<string, number>();
    let total = 0;
    const walk = (node: HeapProfiler.SamplingHeapProfileNode): void => {
      const f = node.callFrame;
      const site = `${f.functionName || '(anonymous)'} ${f.url.slice(f.url.lastIndexOf('/') + 1)}:${f.lineNumber + 1}`;
      bytes.set(site, (bytes.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(result.profile.head);
    const lines = [`${what} MB by allocating function (one warm load of ${analysis?.project.nodes.size} nodes): ${(total / 1e6).toFixed(1)} in all`];
    for (const [site, b] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${(b / 1e6).toFixed(1).padStart(7)}  ${site}`);
    process.stdout.write(lines.join('\n') + '\n');
  });
}

function timeCommand(cmd: string, args: string[], cwd: string): { ms: number; ok: boolean; tail: string } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1' }, maxBuffer: 1 << 28 });
  return { ms: performance.now() - t, ok: r.status === 0, tail: `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-3).join(' | ') };
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  if (args[0] === '--one') {
    const out = measureOne(args[1]!, Number(args[2]), args[3] === 'render');
    process.stdout.write(JSON.stringify(out));
    return;
  }
  if (args[0] === '--sites') {
    allocationSites(resolve(args[1]!), args[2] === 'retained' ? 'retained' : 'allocated', Number(args[3] ?? 30));
    return;
  }
  const sizes = opt('sizes', '1000,10000,100000').split(',').map(Number);
  const runs = Number(opt('runs', '5'));
  const dbtSizes = opt('dbt', '1000,10000').split(',').filter(Boolean).map(Number);
  const dbtCompileSizes = opt('dbt-compile', '1000').split(',').filter(Boolean).map(Number);
  const flagChoice = opt('node-flags', 'both');
  if (!['both', 'server', 'default'].includes(flagChoice)) throw new Error(`--node-flags ${flagChoice}: both, server or default`);
  const flagSets: Array<readonly string[]> = flagChoice === 'server' ? [LANGUAGE_SERVER_NODE_FLAGS] : flagChoice === 'default' ? [[]] : [LANGUAGE_SERVER_NODE_FLAGS, []];
  process.stderr.write(`language server's node flags: ${LANGUAGE_SERVER_NODE_FLAGS.join(' ') || '(none)'}\n`);
  const dbt = join(repo, '.cache', 'dbt-venv', 'bin', 'dbt');
  mkdirSync(cacheDir, { recursive: true });
  const rows: Array<Record<string, unknown>> = [];
  for (const size of sizes) {
    const root = join(cacheDir, `project-${size}`);
    if (!existsSync(join(root, 'dbt_project.yml')) || !existsSync(join(root, '.complete'))) {
      process.stderr.write(`generating ${size} models in ${root}...\n`);
      generateProject(root, size);
      writeFileSync(join(root, '.complete'), '');
    }
    // Warm the OS page cache once so the floor and the load read the same way.
    execFileSync('cat', [join(root, 'dbt_project.yml')]);
    for (const [i, flags] of flagSets.entries()) {
      const child = spawnSync(process.execPath, [...flags, __filename, '--one', root, String(size >= 100000 ? Math.min(runs, 3) : runs), size <= 10000 ? 'render' : 'no'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (child.status !== 0) throw new Error(`measuring ${size} under node flags '${flags.join(' ')}' failed: ${child.stderr}`);
      const one = JSON.parse(child.stdout) as OneResult;
      const row: Record<string, unknown> = { ...one, ratioToFloor: one.loadMs / one.floorMs };
      // dbt once per size, beside the first row.
      if (i === 0) measureDbt(size, root, row);
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  }
  function measureDbt(size: number, root: string, row: Record<string, unknown>): void {
    if (existsSync(dbt) && dbtSizes.includes(size)) {
      process.stderr.write(`dbt parse on ${size} models...\n`);
      const parse = timeCommand(dbt, ['parse', '--no-partial-parse', '--profiles-dir', root], root);
      row.dbtParseMs = parse.ok ? parse.ms : null;
      if (!parse.ok) row.dbtParseError = parse.tail;
      if (dbtCompileSizes.includes(size)) {
        process.stderr.write(`dbt compile on ${size} models...\n`);
        const compile = timeCommand(dbt, ['compile', '--no-partial-parse', '--profiles-dir', root, '--threads', '2'], root);
        row.dbtCompileMs = compile.ok ? compile.ms : null;
        if (!compile.ok) row.dbtCompileError = compile.tail;
      }
    }
  }
  const fmt = (v: unknown, digits = 0): string => (typeof v === 'number' ? v.toFixed(digits) : '–');
  const lines = [
    '| models | node flags | nodes | files | read floor ms | load+scan+graph ms (median) | CPU ms (median) | ratio | peak RSS MB | render all models ms | dbt parse ms | speed-up vs dbt parse | dbt compile ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.models} | ${(r.nodeFlags as string[]).join(' ') || 'defaults'} | ${r.nodes} | ${r.files} | ${fmt(r.floorMs)} | ${fmt(r.loadMs)} | ${fmt(r.loadCpuMs)} | ${fmt(r.ratioToFloor, 2)}x | ${r.peakRssMb} | ${fmt(r.renderAllMs)} | ${fmt(r.dbtParseMs)} | ${typeof r.dbtParseMs === 'number' ? `${((r.dbtParseMs as number) / (r.loadMs as number)).toFixed(0)}x` : '–'} | ${fmt(r.dbtCompileMs)} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(join(cacheDir, 'results.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2));
  void readFileSync;
}

main();
