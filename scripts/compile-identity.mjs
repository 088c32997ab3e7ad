// Compiled-SQL identity with dbt-core on a real project: compiles every node with medallion's
// Compiler (the profile's own target, whatever its adapter type) and compares each with the SQL
// dbt-core compiled for it (scripts/dbt_goldens/compile_each.py), whitespace aside, as the parity
// test compares goldens.
//
// usage: node scripts/compile-identity.mjs <repo> <project dir> <dbt compiled dir>
//          [--profiles-dir D] [--target T] [--out DIR] [--json] [--samples N]
//   <repo>  a medallion checkout built with `npm run build` (its out/ is loaded, so another
//           worktree's build can be measured with this script)
//   --out   writes medallion's compiled SQL to DIR/<unique_id>.sql (compile_each.py's names) and the report to DIR/report.json
// run_started_at and invocation_id are pinned as compile_each.py pins them.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const positional = [];
const options = {};
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--json') options.json = true;
  else if (argv[i].startsWith('--')) options[argv[i].slice(2)] = argv[++i];
  else positional.push(argv[i]);
}
if (positional.length !== 3) {
  process.stderr.write('usage: node scripts/compile-identity.mjs <repo> <project dir> <dbt compiled dir> [--profiles-dir D] [--target T] [--out DIR] [--json] [--samples N]\n');
  process.exit(2);
}
const [repo, projectDir, dbtDir] = positional.map((p) => resolve(p));
const samples = Number(options.samples ?? 3);
const load = (path) => createRequire(repo + '/')(join(repo, 'out', path));
const { analyzeProject } = load('server/src/core/analysis.js');
const { createCompiler, defaultProfilesDirs } = load('server/src/core/session.js');
const { NodeFileHost } = load('server/src/node/fs-host.js');
const parity = load('test/support/parity.js');
const { normalizeSql, firstDifference, GOLDEN_RUN_STARTED_AT, GOLDEN_INVOCATION_ID } = parity;
// dbt's pinned run_started_at for parse and compile alike (older builds take only runStartedAt, and only to compile).
const clock = parity.goldenClock?.();

const dbt = JSON.parse(readFileSync(join(dbtDir, 'summary.json'), 'utf8'));
const env = process.env;
const host = new NodeFileHost();
const profilesDirs = options['profiles-dir'] ? [resolve(options['profiles-dir'])] : defaultProfilesDirs(projectDir, env);
let started = performance.now();
// Parsed for the same target as compiled (a build that parses for a target reads these; older ones ignore them).
const analysis = analyzeProject(host, projectDir, { env, profilesDirs, clock, ...(options.target ? { targetName: options.target } : {}) });
const loadMs = performance.now() - started;
const request = { env, profilesDirs, clock, runStartedAt: GOLDEN_RUN_STARTED_AT, invocationId: GOLDEN_INVOCATION_ID };
if (options.target) request.target = options.target;
const { compiler, resolved } = createCompiler(host, analysis, request);
// A profile of an adapter medallion cannot run on is still compiled for (its target.type; older builds
// said so with an error that this skips).
const profileErrors = resolved.diagnostics.filter((d) => d.severity === 'error' && d !== resolved.unsupportedAdapter && !/Medallion supports/.test(d.message));
if (profileErrors.length > 0) {
  for (const d of profileErrors) process.stderr.write(`${d.file}: ${d.message}\n`);
  process.exit(1);
}

const compiledTypes = new Set(['model', 'snapshot', 'analysis', 'test']);
const ours = new Map();
started = performance.now();
for (const node of analysis.project.nodes.values()) {
  if (!compiledTypes.has(node.resourceType)) continue;
  let result;
  try {
    result = compiler.compile(node.uniqueId);
  } catch (err) {
    result = { sql: undefined, diagnostics: [{ message: `threw: ${err?.stack ?? err}` }] };
  }
  ours.set(node.uniqueId, result);
}
const compileMs = performance.now() - started;

const count = (map, key, example) => {
  const entry = map.get(key) ?? { count: 0, examples: [] };
  entry.count++;
  if (entry.examples.length < samples && example) entry.examples.push(example);
  map.set(key, entry);
};
/** A failure's cause: the undefined name when that is it, else the message without node-specific names and numbers. */
const causeOf = (message) => {
  const first = message.split('\n')[0].replace(/^Test '[^']*': /, '');
  const undefinedName = /'[^']*' is undefined/.exec(first);
  if (undefinedName) return undefinedName[0];
  return first.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').slice(0, 160);
};

const report = {
  project: dbt.project,
  adapter: dbt.adapter,
  dbt: { compiled: 0, needsWarehouse: 0, failed: 0 },
  medallion: { nodes: ours.size, compiled: 0, failed: 0, loadMs: Math.round(loadMs), compileMs: Math.round(compileMs) },
  compared: 0,
  identical: 0,
  differing: 0,
  medallionFailed: 0,
  missing: 0,
};
const differences = [];
const failuresOnDbtCompiled = new Map();
const allFailures = new Map();
/** compile_each.py's file name: <unique_id>.sql, shortened with a hash where too long for a file system. */
const sqlFileName = (id) => (id.length <= 200 ? `${id}.sql` : `${id.slice(0, 180)}.${createHash('md5').update(id).digest('hex').slice(0, 10)}.sql`);
const out = options.out ? resolve(options.out) : undefined;
if (out) mkdirSync(out, { recursive: true });
for (const [id, result] of ours) {
  if (result.sql !== undefined) {
    report.medallion.compiled++;
    if (out) writeFileSync(join(out, sqlFileName(id)), result.sql);
  } else {
    report.medallion.failed++;
    count(allFailures, causeOf(result.diagnostics.map((d) => d.message).join('; ')), id);
  }
}
for (const [id, entry] of Object.entries(dbt.nodes)) {
  if (entry.status === 'needs-warehouse') report.dbt.needsWarehouse++;
  if (entry.status === 'failed') report.dbt.failed++;
  if (entry.status !== 'compiled') continue;
  report.dbt.compiled++;
  report.compared++;
  const result = ours.get(id);
  if (!result) {
    report.missing++;
    continue;
  }
  if (result.sql === undefined) {
    report.medallionFailed++;
    count(failuresOnDbtCompiled, causeOf(result.diagnostics.map((d) => d.message).join('; ')), `${id}: ${result.diagnostics[0]?.message.split('\n')[0].slice(0, 200)}`);
    continue;
  }
  const expected = normalizeSql(readFileSync(join(dbtDir, entry.file), 'utf8'));
  const actual = normalizeSql(result.sql);
  if (actual === expected) report.identical++;
  else {
    report.differing++;
    differences.push({ id, diff: firstDifference(actual, expected) });
  }
}
const sorted = (map) => [...map.entries()].sort((a, b) => b[1].count - a[1].count).map(([cause, e]) => ({ cause, ...e }));
report.identicalPct = report.compared ? +((100 * report.identical) / report.compared).toFixed(1) : null;
report.failuresOnDbtCompiled = sorted(failuresOnDbtCompiled);
report.allFailures = sorted(allFailures);
report.differences = differences;
if (out) writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 1));

if (options.json) {
  process.stdout.write(JSON.stringify({ ...report, differences: differences.slice(0, samples) }) + '\n');
} else {
  const r = report;
  console.log(`${r.project} (${r.adapter}): dbt compiled ${r.dbt.compiled}, needs a warehouse ${r.dbt.needsWarehouse}, failed ${r.dbt.failed}`);
  console.log(`medallion compiled ${r.medallion.compiled}/${r.medallion.nodes} (load ${r.medallion.loadMs} ms, compile ${r.medallion.compileMs} ms)`);
  console.log(`of dbt's ${r.compared}: identical ${r.identical} (${r.identicalPct}%), differing ${r.differing}, medallion failed ${r.medallionFailed}, missing ${r.missing}`);
  if (r.failuresOnDbtCompiled.length) console.log('medallion failures on nodes dbt compiled, by cause:');
  for (const f of r.failuresOnDbtCompiled.slice(0, 15)) console.log(`  ${f.count}  ${f.cause}\n      e.g. ${f.examples[0]}`);
  if (differences.length) console.log('differences (sample):');
  for (const d of differences.slice(0, samples)) console.log(`  ${d.id}\n      ${d.diff}`);
}
