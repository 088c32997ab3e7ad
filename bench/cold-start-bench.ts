/**
 * The CLI's cold start, as a user meets it: each run is a fresh `node bin/medallion.js <command>`
 * process, timed from spawn to exit (wall) and by its own CPU time (user + system, from
 * bench/cpu-time-preload.ts: on a shared machine wall times swing with the load, CPU time much less).
 * Variants run interleaved, so a change in the machine's load hits them alike:
 *   - `no cache`: MEDALLION_CODE_CACHE=off (compiles the bundle as before the code cache);
 *   - `cache`: the V8 code cache in a temporary folder, filled by one untimed `parse` first;
 *   - `other`: another tree's CLI (`--compare /path/to/repo`, e.g. a checkout of main), as it is.
 * Commands: `--version`, and per project `ls` and `parse` (which writes target/manifest.json).
 *
 * `--ratio`: per project, in one run, `dbt parse` against `medallion parse` on the same input.
 * dbt's wall time (`--dbt PATH`: its command as public-dbt's dbt-parse.sh runs it, `dbt parse
 * --no-partial-parse`; `--skip-dbt` leaves it out; median of `--dbt-runs`, default 3, spread among
 * medallion's runs so both sides meet the same minutes of a machine whose speed drifts: one dbt run
 * swung 8.8–9.9 s on one project within the hour), `medallion parse`'s CLI wall time (a fresh
 * process per run, the code cache filled by an untimed run first, as a user's second command finds
 * it; median of --runs) and the in-process cold load (a fresh process that times analyzeProject
 * alone, as public-dbt's compare.mjs does; median of --runs), then dbt's time over each. With
 * `--compare /path/to/repo`, that tree's `medallion parse` runs interleaved with this one's (its own
 * code cache, filled the same way), so a before/after pair meets the same machine load. Every run
 * writes to temporary target folders, never into the project. Nothing here asserts. With
 * NODE_EXTRA_CA_CERTS set (Node 20 parses it at every start), both modes first say what it costs an
 * empty node process, since every run they time includes it.
 *
 *   node out/bench/cold-start-bench.js [--runs 5] [--compare /path/to/repo] [--env FILE] project[:profiles-dir] ...
 *   node out/bench/cold-start-bench.js --ratio [--dbt PATH | --skip-dbt] [--dbt-runs 3] [--runs 5] [--compare /path/to/repo] [--env FILE] project[:profiles-dir] ...
 *
 * The public projects (/work/public-dbt, dbt-parse.sh's profiles and dummy credentials):
 *   cd /work/public-dbt && node <repo>/out/bench/cold-start-bench.js --ratio --dbt venv-adapters/bin/dbt --env dbt-parse.sh \
 *     projects/cal_itp:projects/cal_itp projects/mattermost_analytics:projects/mattermost_analytics/profile \
 *     projects/mattermost_snowflake:projects/mattermost_snowflake/profile projects/ol_dbt:projects/ol_dbt \
 *     projects/tuva:projects/tuva/profiles/databricks projects/spellbook_dex:projects/spellbook_dex \
 *     projects/spellbook_daily_spellbook:projects/spellbook_daily_spellbook \
 *     projects/gnosis_cerebro:projects/gnosis_cerebro projects/teamster_kipptaf:projects/teamster_kipptaf
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';

const repo = resolve(__dirname, '..', '..');
const preload = join(repo, 'out', 'bench', 'cpu-time-preload.js');

interface Variant {
  name: string;
  bin: string;
  env: Record<string, string>;
}

interface Project {
  dir: string;
  profiles?: string;
}

interface Cli {
  runs: number;
  compare?: string;
  envFile?: string;
  ratio: boolean;
  dbt?: string;
  dbtRuns: number;
  projects: Project[];
}

function parseCli(argv: string[]): Cli {
  const cli: Cli = { runs: 5, ratio: false, dbtRuns: 3, projects: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') cli.runs = Number(argv[++i]);
    else if (a === '--compare') cli.compare = resolve(argv[++i]!);
    else if (a === '--env') cli.envFile = argv[++i];
    else if (a === '--ratio') cli.ratio = true;
    else if (a === '--dbt') cli.dbt = resolve(argv[++i]!);
    else if (a === '--dbt-runs') cli.dbtRuns = Math.max(1, Number(argv[++i]));
    else if (a === '--skip-dbt') delete cli.dbt;
    else {
      const [dir, profiles] = a.split(':');
      cli.projects.push({ dir: resolve(dir!), ...(profiles ? { profiles: resolve(profiles) } : {}) });
    }
  }
  return cli;
}

/**
 * KEY=VALUE pairs added to every run's environment (the dummy credentials a project's profile
 * names). A shell script's `export` lines only, when it has any (dbt-parse.sh's own variables stay out).
 */
function readEnvFile(file: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!file) return env;
  const lines = readFileSync(file, 'utf8').split('\n');
  const exported = lines.filter((line) => /^\s*export\s/.test(line));
  for (const line of exported.length > 0 ? exported : lines) {
    for (const m of line.replace(/^\s*export\s+/, '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

function timeRun(variant: Variant, args: string[], baseEnv: Record<string, string>): { wall: number; cpu: number; code: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', preload, variant.bin, ...args], { encoding: 'utf8', env: { ...process.env, ...baseEnv, ...variant.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = Number(/medallion-bench-cpu-ms (\d+)/.exec(r.stderr ?? '')?.[1] ?? NaN);
  return { wall, cpu, code: r.status ?? -1 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const loadText = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * When NODE_EXTRA_CA_CERTS is set, Node 20 builds its root certificate store and parses that file
 * at every start, before any JavaScript runs (nodejs/node#40524): a cost every run here pays (both
 * trees alike) that dbt does not, and that a machine without the variable does not. Measured, not
 * assumed: an empty node process with and without it, interleaved, medians of 5.
 */
function caCertsNote(): string | undefined {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra) return undefined;
  const withIt: number[] = [];
  const without: number[] = [];
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = process.env;
  for (let i = 0; i < 5; i++) {
    for (const [env, out] of [[process.env, withIt], [rest, without]] as const) {
      const start = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0'], { env });
      out.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return `NODE_EXTRA_CA_CERTS is set (${extra}): an empty node process takes ${Math.round(median(withIt))} ms with it, ${Math.round(median(without))} ms without (medians of 5); every medallion run below includes that difference`;
}

/** In a fresh process (`--load-once DIR`): analyzeProject alone, timed as compare.mjs times it (modules loaded first). */
function loadOnce(dir: string): void {
  const start = performance.now();
  const analysis = analyzeProject(new NodeFileHost(), dir, {});
  const ms = performance.now() - start;
  process.stdout.write(`medallion-bench-load-ms ${ms.toFixed(1)} nodes ${analysis.project.nodes.size}\n`);
}

/** Seconds of one `dbt parse --no-partial-parse` (dbt-parse.sh's command), its target and logs in a temporary folder. */
function timeDbtParse(dbt: string, project: Project, env: Record<string, string>): { wall: number; code: number } {
  const out = mkdtempSync(join(tmpdir(), 'medallion-dbt-parse-'));
  try {
    const args = ['parse', '--no-partial-parse', ...(project.profiles ? ['--profiles-dir', project.profiles] : []), '--target-path', join(out, 'target'), '--log-path', join(out, 'logs')];
    const dbtEnv = { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1', DBT_USE_COLORS: 'false', DBT_PARTIAL_PARSE: 'false', PYTHONWARNINGS: 'ignore' };
    const start = process.hrtime.bigint();
    const r = spawnSync(dbt, args, { cwd: project.dir, encoding: 'utf8', env: { ...process.env, ...env, ...dbtEnv }, maxBuffer: 1 << 28 });
    return { wall: Number(process.hrtime.bigint() - start) / 1e6, code: r.status ?? -1 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** `--ratio`: dbt parse, medallion parse (CLI) and the in-process load per project, and dbt's time over each. */
function ratios(cli: Cli, baseEnv: Record<string, string>): void {
  const cacheDir = mkdtempSync(join(tmpdir(), 'medallion-cold-start-'));
  const targetDir = mkdtempSync(join(tmpdir(), 'medallion-parse-'));
  const variant: Variant = { name: 'cache', bin: join(repo, 'bin', 'medallion.js'), env: { MEDALLION_CODE_CACHE_DIR: cacheDir } };
  const other: Variant | undefined = cli.compare ? { name: 'other', bin: join(cli.compare, 'bin', 'medallion.js'), env: { MEDALLION_CODE_CACHE_DIR: join(cacheDir, 'other') } } : undefined;
  process.stdout.write(`node ${process.version}, ${cli.runs} runs of medallion each, dbt ${cli.dbt ? `${cli.dbtRuns} run(s) among them` : 'skipped'}, load average ${loadText()}\n`);
  const note = caCertsNote();
  if (note) process.stdout.write(`${note}\n`);
  const rows: string[][] = [];
  try {
    for (const p of cli.projects) {
      const name = basename(p.dir);
      const args = ['parse', '--project', p.dir, ...(p.profiles ? ['--profiles-dir', p.profiles] : []), '--target-path', targetDir];
      // Untimed: fills the code cache and the file system's cache.
      timeRun(variant, args, baseEnv);
      if (other) timeRun(other, args, baseEnv);
      const cliRuns: Array<{ wall: number; cpu: number; code: number }> = [];
      const otherRuns: Array<{ wall: number; cpu: number; code: number }> = [];
      const loads: number[] = [];
      const dbtRuns: Array<{ wall: number; code: number }> = [];
      // dbt's k-th run follows medallion's run ⌊(k + ½)·runs / dbtRuns⌋: spread evenly among them.
      const dbtAfter = new Array<number>(cli.runs).fill(0);
      if (cli.dbt) for (let k = 0; k < cli.dbtRuns; k++) dbtAfter[Math.min(cli.runs - 1, Math.floor(((k + 0.5) * cli.runs) / cli.dbtRuns))]!++;
      for (let i = 0; i < cli.runs; i++) {
        cliRuns.push(timeRun(variant, args, baseEnv));
        if (other) otherRuns.push(timeRun(other, args, baseEnv));
        const r = spawnSync(process.execPath, [__filename, '--load-once', p.dir], { encoding: 'utf8', env: { ...process.env, ...baseEnv }, maxBuffer: 1 << 28 });
        loads.push(Number(/medallion-bench-load-ms ([\d.]+)/.exec(r.stdout ?? '')?.[1] ?? NaN));
        for (let k = 0; cli.dbt && k < dbtAfter[i]!; k++) dbtRuns.push(timeDbtParse(cli.dbt, p, baseEnv));
      }
      const dbtWall = dbtRuns.length > 0 ? median(dbtRuns.map((r) => r.wall)) : undefined;
      const wall = median(cliRuns.map((r) => r.wall));
      const load = median(loads);
      const codes = [...new Set(cliRuns.map((r) => r.code))].join('/');
      const dbtSpread = dbtRuns.length > 1 ? `, ${dbtRuns.map((r) => (r.wall / 1000).toFixed(2)).join('/')}` : '';
      const dbtText = dbtWall !== undefined ? `${(dbtWall / 1000).toFixed(2)} s (exit ${[...new Set(dbtRuns.map((r) => r.code))].join('/')}${dbtSpread})` : '-';
      const ratio = (ms: number): string => (dbtWall !== undefined ? `${(dbtWall / ms).toFixed(1)}x` : '-');
      const row = [name, dbtText, `${Math.round(wall)} ms (cpu ${Math.round(median(cliRuns.map((r) => r.cpu)))}, exit ${codes})`, `${Math.round(load)} ms`, ratio(wall), ratio(load)];
      if (other) {
        const otherWall = median(otherRuns.map((r) => r.wall));
        row.push(`${Math.round(otherWall)} ms (cpu ${Math.round(median(otherRuns.map((r) => r.cpu)))}, exit ${[...new Set(otherRuns.map((r) => r.code))].join('/')})`, ratio(otherWall));
      }
      rows.push(row);
      process.stdout.write(`${row.join(' | ')}  [load average ${loadText()}]\n`);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(targetDir, { recursive: true, force: true });
  }
  const header = ['project', 'dbt parse', 'medallion parse (CLI, median)', 'in-process load (median)', 'dbt / CLI', 'dbt / load', ...(other ? ['--compare CLI (median)', 'dbt / --compare CLI'] : [])];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  process.stdout.write(`\n${[header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')).join('\n')}\n`);
  process.stdout.write(`load average at the end ${loadText()}\n`);
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--load-once') return loadOnce(resolve(argv[1]!));
  const cli = parseCli(argv);
  const baseEnv = readEnvFile(cli.envFile);
  if (cli.ratio) return ratios(cli, baseEnv);
  const { runs, compare, projects } = cli;
  const cacheDir = mkdtempSync(join(tmpdir(), 'medallion-cold-start-'));
  const targetDir = mkdtempSync(join(tmpdir(), 'medallion-parse-'));
  const bin = join(repo, 'bin', 'medallion.js');
  const variants: Variant[] = [
    { name: 'no cache', bin, env: { MEDALLION_CODE_CACHE: 'off' } },
    { name: 'cache', bin, env: { MEDALLION_CODE_CACHE_DIR: cacheDir } },
    ...(compare ? [{ name: 'other', bin: join(compare, 'bin', 'medallion.js'), env: {} }] : []),
  ];
  const cases: { label: string; args: string[] }[] = [{ label: '--version', args: ['--version'] }];
  for (const p of projects) {
    const common = ['--project', p.dir, ...(p.profiles ? ['--profiles-dir', p.profiles] : [])];
    cases.push({ label: `${basename(p.dir)} ls`, args: ['ls', ...common, '--output', 'name'] }, { label: `${basename(p.dir)} parse`, args: ['parse', ...common, '--target-path', targetDir] });
  }
  process.stdout.write(`node ${process.version}, ${runs} runs each, load average ${loadText()}\n`);
  const note = caCertsNote();
  if (note) process.stdout.write(`${note}\n`);
  try {
    // Fills the cache as a user's first command would (a project-loading one writes the deep cache).
    timeRun(variants[1]!, cases[cases.length - 1]!.args, baseEnv);
    for (const c of cases) {
      // Untimed: warms the file system's cache for the project.
      if (c.args[0] !== '--version') timeRun(variants[0]!, c.args, baseEnv);
      const results = new Map(variants.map((v) => [v.name, [] as { wall: number; cpu: number; code: number }[]]));
      for (let i = 0; i < runs; i++) for (const v of variants) results.get(v.name)!.push(timeRun(v, c.args, baseEnv));
      const parts = variants.map((v) => {
        const rs = results.get(v.name)!;
        const codes = [...new Set(rs.map((r) => r.code))].join('/');
        return `${v.name} ${Math.round(median(rs.map((r) => r.wall)))} ms wall, ${Math.round(median(rs.map((r) => r.cpu)))} ms cpu (exit ${codes})`;
      });
      process.stdout.write(`${c.label.padEnd(40)} ${parts.join(' | ')}\n`);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(targetDir, { recursive: true, force: true });
  }
  process.stdout.write(`load average at the end ${loadText()}\n`);
}

main();
