/**
 * `medallion parse` cold from the CLI on a generated 2,500-model project whose properties yml
 * uses anchors, aliases and merge keys the way real projects do (an `x-common:` anchor holder,
 * `- <<: *col` with overrides, `- *col`, merged configs). Reports the share of yml files the fast
 * YAML path reads, and the median wall time of full CLI runs (process start to exit, manifest.json
 * written), alternating with another tree's CLI when given, and where the time goes: start-up
 * (`medallion --version`), load (YAML read timed apart) and the manifest.json write, each in a fresh
 * process. Nothing here asserts.
 *
 *   node out/bench/anchors-bench.js [--models 2500] [--runs 5] [--compare /path/to/other/repo]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseYamlFast } from '../server/src/core/yaml-fast';

const repo = resolve(__dirname, '..', '..');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** 2,500 models in folders of 50, each folder with one properties yml built on anchors and merges. */
export function generateAnchorsProject(root: string, models: number): void {
  rmSync(root, { recursive: true, force: true });
  const write = (rel: string, text: string): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write('dbt_project.yml', "name: anchors\nversion: '1.0'\nconfig-version: 2\nprofile: anchors\nmodels:\n  anchors:\n    +materialized: view\n");
  write('profiles.yml', 'anchors:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/anchors.duckdb\n      schema: main\n');
  write('models/sources.yml', 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n');
  const perFolder = 50;
  for (let start = 0; start < models; start += perFolder) {
    const folder = `models/group_${start / perFolder}`;
    let yml = `version: 2

x-common-fields:
  - &id_col
    name: id
    description: '{{ doc("id") }}'
    data_tests:
      - not_null
      - unique
  - &status_col
    name: status
    description: Order status
    data_tests:
      - accepted_values:
          arguments:
            values: ['placed', 'shipped', 'returned']
  - &dt_col
    name: dt
    data_type: date
  - &base_config
    materialized: table
    tags: ['daily', 'anchored']
    meta: {owner: data-team}

models:
`;
    for (let i = start; i < Math.min(models, start + perFolder); i++) {
      const name = `model_${i}`;
      const sql = i === 0 ? "select * from {{ source('raw', 'events') }}" : `select * from {{ ref('model_${i - 1 - (i % 7 === 0 && i > 10 ? 10 : 0)}') }}`;
      write(`${folder}/${name}.sql`, `${sql}\n`);
      yml += `  - name: ${name}
    description: Model ${i}
    config:
      <<: *base_config
      materialized: ${i % 3 === 0 ? 'view' : 'table'}
    columns:
      - <<: *id_col
        description: Key of model ${i}
      - *status_col
      - <<: *dt_col
        name: amount
      - *dt_col
`;
    }
    write(`${folder}/_models.yml`, yml);
  }
}

function ymlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) ymlFiles(full, out);
    else if (name.endsWith('.yml')) out.push(full);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Timed {
  times: number[];
  /** CPU time (user + system) of each run. */
  cpu: number[];
  code: number | null;
  summary: string;
}

function timeOnce(args: string[], into: Timed): void {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['-r', join(__dirname, 'cpu-time-preload.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  into.times.push(performance.now() - t);
  const cpu = /medallion-bench-cpu-ms (\d+)/.exec(r.stderr);
  if (cpu) into.cpu.push(Number(cpu[1]));
  into.code = r.status;
  const errors = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('medallion-bench-cpu-ms'));
  into.summary = (r.stdout.trim().split('\n').pop() ?? '') + (r.status !== 0 ? ` ${errors.pop() ?? ''}` : '');
}

function report(label: string, t: Timed): string {
  const cpu = t.cpu.length > 0 ? `, CPU time median ${Math.round(median(t.cpu))} ms ${JSON.stringify(t.cpu)}` : '';
  return `${label}: wall median ${Math.round(median(t.times))} ms over ${t.times.length} cold runs ${JSON.stringify(t.times.map(Math.round))}${cpu}; exit ${t.code}; ${t.summary}`;
}

/** Where a cold parse spends its time, each part in a fresh process (`--phases` runs one of them). */
interface Phases {
  loadMs: number;
  writeMs: number;
  yamlMs: number;
}

/** YAML alone, in a fresh process (the child of `--yaml`), as cold as the CLI's first read of it. */
function measureYaml(root: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the clock starts on purpose
  const { parseYaml } = require('../server/src/core/yaml-tree') as typeof import('../server/src/core/yaml-tree');
  const texts = ymlFiles(join(root, 'models')).map((f) => readFileSync(f, 'utf8'));
  const t = performance.now();
  for (const text of texts) parseYaml(text);
  return performance.now() - t;
}

/** In a fresh process (the child of `--phases`): load, then write manifest.json as `medallion parse` does. */
function measurePhases(root: string): Omit<Phases, 'yamlMs'> {
  // Required here, not at the top: this is what the CLI's process pays too, and it is timed apart (start-up).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { analyzeProject } = require('../server/src/core/analysis') as typeof import('../server/src/core/analysis');
  const { createCompiler, defaultProfilesDirs } = require('../server/src/core/session') as typeof import('../server/src/core/session');
  const { NodeFileHost } = require('../server/src/node/fs-host') as typeof import('../server/src/node/fs-host');
  const { writeManifest } = require('../server/src/runner/artifacts') as typeof import('../server/src/runner/artifacts');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const env = process.env as Record<string, string | undefined>;
  const host = new NodeFileHost();
  let t = performance.now();
  const analysis = analyzeProject(host, root, { env, profilesDirs: defaultProfilesDirs(root, env) });
  const loadMs = performance.now() - t;
  t = performance.now();
  const { compiler, resolved } = createCompiler(host, analysis, { env, profilesDirs: defaultProfilesDirs(root, env) });
  writeManifest(join(root, 'target'), { analysis, host, compiler, target: resolved.target, invocationId: 'bench' });
  const writeMs = performance.now() - t;
  return { loadMs, writeMs };
}

function main(): void {
  const phasesOf = option('phases', '');
  if (phasesOf) {
    process.stdout.write(JSON.stringify(measurePhases(phasesOf)));
    return;
  }
  const yamlOf = option('yaml', '');
  if (yamlOf) {
    process.stdout.write(JSON.stringify(measureYaml(yamlOf)));
    return;
  }
  const models = Number(option('models', '2500'));
  const runs = Number(option('runs', '5'));
  const compare = option('compare', '');
  const root = join(repo, '.cache', 'bench', `anchors-${models}`);
  generateAnchorsProject(root, models);
  const files = ymlFiles(join(root, 'models'));
  const fast = files.filter((f) => parseYamlFast(readFileSync(f, 'utf8')) !== undefined).length;
  process.stdout.write(`${models} models, ${files.length} yml files with anchors/merges; fast YAML path for ${fast}/${files.length}\n`);
  const loadBefore = loadAverage();
  // Runs of this tree and of the other one alternate, so both see the same machine load.
  const ours: Timed = { times: [], cpu: [], code: null, summary: '' };
  const other: Timed = { times: [], cpu: [], code: null, summary: '' };
  const version: Timed = { times: [], cpu: [], code: null, summary: '' };
  const phases: Phases[] = [];
  for (let i = 0; i < runs; i++) {
    timeOnce([join(repo, 'bin', 'medallion.js'), 'parse', '--project', root], ours);
    if (compare) timeOnce([join(compare, 'bin', 'medallion.js'), 'parse', '--project', root], other);
    timeOnce([join(repo, 'bin', 'medallion.js'), '--version'], version);
    const child = spawnSync(process.execPath, [__filename, '--phases', root], { encoding: 'utf8' });
    const yaml = spawnSync(process.execPath, [__filename, '--yaml', root], { encoding: 'utf8' });
    if (child.status === 0 && yaml.status === 0) phases.push({ ...(JSON.parse(child.stdout) as Omit<Phases, 'yamlMs'>), yamlMs: JSON.parse(yaml.stdout) as number });
  }
  process.stdout.write(report('medallion parse (this tree)', ours) + '\n');
  if (compare) process.stdout.write(report(`medallion parse (${compare})`, other) + '\n');
  const part = (pick: (p: Phases) => number): number => (phases.length > 0 ? Math.round(median(phases.map(pick))) : NaN);
  process.stdout.write(
    `split (wall medians, each part in a fresh process): start-up (medallion --version) ${Math.round(median(version.times))} ms (CPU ${Math.round(median(version.cpu))} ms); ` +
      `load ${part((p) => p.loadMs)} ms (YAML alone, cold: ${part((p) => p.yamlMs)} ms); manifest.json write ${part((p) => p.writeMs)} ms\n`,
  );
  process.stdout.write(`machine load (1/5/15 min): before ${loadBefore}, after ${loadAverage()}\n`);
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

if (require.main === module) main();
