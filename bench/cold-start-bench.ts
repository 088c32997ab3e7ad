/**
 * The CLI's cold start, as a user meets it: each run is a fresh `node bin/medallion.js <command>`
 * process, timed from spawn to exit (wall) and by its own CPU time (user + system, from
 * bench/cpu-time-preload.ts: on a shared machine wall times swing with the load, CPU time much less).
 * Variants run interleaved, so a change in the machine's load hits them alike:
 *   - `no cache`: MEDALLION_CODE_CACHE=off (compiles the bundle as before the code cache);
 *   - `cache`: the V8 code cache in a temporary folder, filled by one untimed `parse` first;
 *   - `other`: another tree's CLI (`--compare /path/to/repo`, e.g. a checkout of main), as it is.
 * Commands: `--version`, and per project `ls` and `parse` (which writes target/manifest.json).
 * Nothing here asserts.
 *
 *   node out/bench/cold-start-bench.js [--runs 5] [--compare /path/to/repo] [--env FILE] project[:profiles-dir] ...
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const preload = join(repo, 'out', 'bench', 'cpu-time-preload.js');

interface Variant {
  name: string;
  bin: string;
  env: Record<string, string>;
}

function parseCli(argv: string[]): { runs: number; compare?: string; envFile?: string; projects: { dir: string; profiles?: string }[] } {
  let runs = 5;
  let compare: string | undefined;
  let envFile: string | undefined;
  const projects: { dir: string; profiles?: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--compare') compare = argv[++i];
    else if (a === '--env') envFile = argv[++i];
    else {
      const [dir, profiles] = a.split(':');
      projects.push({ dir: resolve(dir!), ...(profiles ? { profiles: resolve(profiles) } : {}) });
    }
  }
  return { runs, ...(compare ? { compare: resolve(compare) } : {}), ...(envFile ? { envFile } : {}), projects };
}

/** KEY=VALUE pairs, `export` lines of a shell script too (the dummy credentials a project's profile names), added to every run's environment. */
function readEnvFile(file: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!file) return env;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
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

function main(): void {
  const { runs, compare, envFile, projects } = parseCli(process.argv.slice(2));
  const baseEnv = readEnvFile(envFile);
  const cacheDir = mkdtempSync(join(tmpdir(), 'medallion-cold-start-'));
  const bin = join(repo, 'bin', 'medallion.js');
  const variants: Variant[] = [
    { name: 'no cache', bin, env: { MEDALLION_CODE_CACHE: 'off' } },
    { name: 'cache', bin, env: { MEDALLION_CODE_CACHE_DIR: cacheDir } },
    ...(compare ? [{ name: 'other', bin: join(compare, 'bin', 'medallion.js'), env: {} }] : []),
  ];
  const cases: { label: string; args: string[] }[] = [{ label: '--version', args: ['--version'] }];
  for (const p of projects) {
    const common = ['--project', p.dir, ...(p.profiles ? ['--profiles-dir', p.profiles] : [])];
    cases.push({ label: `${basename(p.dir)} ls`, args: ['ls', ...common, '--output', 'name'] }, { label: `${basename(p.dir)} parse`, args: ['parse', ...common] });
  }
  process.stdout.write(`node ${process.version}, ${runs} runs each, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
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
  }
  process.stdout.write(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

main();
