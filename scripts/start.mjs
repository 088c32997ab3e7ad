// `npm start`: the main job. Generates the sample landing data when there is none (or the next
// batch with --new-batch), builds the sample pipeline seeds → bronze → snapshot → silver → gold
// with its tests and unit tests on the embedded DuckDB, then prints the first rows of each gold
// model. Run it again and the build is incremental: only new landing files add rows.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const project = 'models';
const landing = join(project, 'landing-data');
const medallion = (args) => spawnSync(process.execPath, ['bin/medallion.js', ...args, '--project', project], { stdio: 'inherit' });
const generate = (batch) => {
  const r = spawnSync(process.execPath, ['out/server/src/sample/cli.js', '--out', landing, '--batch', String(batch)], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  const { rows } = JSON.parse(r.stdout);
  console.log(`landing data batch ${batch}: ${Object.entries(rows).map(([t, n]) => `${n} ${t}`).join(', ')}`);
};

const ordersDir = join(landing, 'orders');
const batches = existsSync(ordersDir) ? readdirSync(ordersDir).filter((f) => /^orders_\d+\.csv$/.test(f)).length : 0;
if (batches === 0) generate(1);
else if (process.argv.includes('--new-batch')) generate(batches + 1);

const build = medallion(['build']);
if (build.status !== 0) process.exit(build.status ?? 1);
for (const model of ['gold_daily_sales', 'gold_daily_avg_rating', 'gold_product_categories']) {
  console.log(`\n${model}:`);
  const show = medallion(['show', model, '--limit', '5']);
  if (show.status !== 0) process.exit(show.status ?? 1);
}
