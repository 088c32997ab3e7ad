/**
 * `medallion parse` cold from the CLI on a generated 2,500-model project whose properties yml
 * uses anchors, aliases and merge keys the way real projects do (an `x-common:` anchor holder,
 * `- <<: *col` with overrides, `- *col`, merged configs). Reports the share of yml files the fast
 * YAML path reads, and the median wall time of full CLI runs (process start to exit, manifest.json
 * written). Nothing here asserts.
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

function timeParse(bin: string, root: string, runs: number): { median: number; runs: number[]; code: number | null; summary: string } {
  const times: number[] = [];
  let code: number | null = null;
  let summary = '';
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [bin, 'parse', '--project', root], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    times.push(performance.now() - t);
    code = r.status;
    summary = r.stdout.trim().split('\n').pop() ?? '';
  }
  return { median: median(times), runs: times.map((x) => Math.round(x)), code, summary };
}

function main(): void {
  const models = Number(option('models', '2500'));
  const runs = Number(option('runs', '5'));
  const compare = option('compare', '');
  const root = join(repo, '.cache', 'bench', `anchors-${models}`);
  generateAnchorsProject(root, models);
  const files = ymlFiles(join(root, 'models'));
  const fast = files.filter((f) => parseYamlFast(readFileSync(f, 'utf8')) !== undefined).length;
  process.stdout.write(`${models} models, ${files.length} yml files with anchors/merges; fast YAML path for ${fast}/${files.length}\n`);
  const ours = timeParse(join(repo, 'bin', 'medallion.js'), root, runs);
  process.stdout.write(`medallion parse (this tree): median ${Math.round(ours.median)} ms over ${runs} cold runs ${JSON.stringify(ours.runs)}; exit ${ours.code}; ${ours.summary}\n`);
  if (compare) {
    const other = timeParse(join(compare, 'bin', 'medallion.js'), root, runs);
    process.stdout.write(`medallion parse (${compare}): median ${Math.round(other.median)} ms ${JSON.stringify(other.runs)}; exit ${other.code}; ${other.summary}\n`);
  }
  const load = (() => {
    try {
      return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    } catch {
      return 'unknown';
    }
  })();
  process.stdout.write(`machine load (1/5/15 min): ${load}\n`);
}

if (require.main === module) main();
