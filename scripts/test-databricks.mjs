// `npm run test:databricks`: builds, starts the test warehouse (Apache Spark's Thrift server with
// Delta Lake behind the test-only protocol bridge, see test/databricks/), runs the Databricks suites
// (out/test/databricks/*.spark.js) with node's test runner against it, and stops it.
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWarehouse } from '../test/databricks/warehouse.mjs';

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const started = Date.now();
const warehouse = await startWarehouse({});
console.log(`test warehouse: Spark ${warehouse.versions.spark}, Delta ${warehouse.versions.delta} (Scala ${warehouse.versions.scala}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
let status = 1;
try {
  const dir = join('out', 'test', 'databricks');
  // `npm run test:databricks -- contracts csv` runs only the suites whose file names contain one of the words.
  const filters = process.argv.slice(2);
  const files = readdirSync(dir).filter((f) => f.endsWith('.spark.js') && (filters.length === 0 || filters.some((w) => f.includes(w)))).map((f) => join(dir, f));
  const env = {
    ...process.env,
    ...warehouse.env,
    DATABRICKS_HOST: warehouse.host,
    DATABRICKS_PORT: String(warehouse.port),
    DATABRICKS_HTTP_PATH: warehouse.path,
    DATABRICKS_TOKEN: warehouse.token,
  };
  const suiteStarted = Date.now();
  // Asynchronously: the bridge runs in this process and must keep serving while the suite runs.
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
  status = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  console.log(`databricks suite: ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s (warehouse start included above)`);
} finally {
  await warehouse.stop();
}
process.exit(status);
