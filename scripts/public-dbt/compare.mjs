#!/usr/bin/env node
/**
 * dbt parity on real projects: runs a built Medallion's `parse --verify` on a dbt project and diffs
 * its target/manifest.json against the one `dbt parse` wrote for the same project (public-dbt's
 * out/<name>/target/manifest.json, see README.md). No Python needed.
 *
 *   node scripts/public-dbt/compare.mjs [--repo R] [--env FILE] [--target T] [--show N] [--no-verify] [--keep DIR] \
 *     PROJECT:PROFILES_DIR:DBT_MANIFEST ...
 *   node scripts/public-dbt/compare.mjs [--repo R] --public /work/public-dbt [name ...]
 *
 * --repo     the tree whose out/ and bin/ are built (default: this checkout); runs <repo>/bin/medallion.js
 * --env      KEY=VALUE pairs for medallion's environment: a shell script's `export` lines (dbt-parse.sh's
 *            dummy credentials), as bench/cold-start-bench.js --env reads them
 * --public   public-dbt's layout: projects/<name>, its profiles dir, out/<name>/target/manifest.json and
 *            --env <dir>/dbt-parse.sh; names default to the nine projects
 * --target   passed on to medallion parse (dbt's manifest must be of the same target: dbt parse --target T)
 * --show     how many disagreements of each kind to print with detail (default 5)
 * --no-verify  parse without --verify (the static fast path as users run it)
 * --keep     write medallion's manifest under DIR/<name>/ instead of a temporary folder
 *
 * What is compared (dbt is the oracle):
 *   nodes    every model, seed and snapshot dbt has (in `nodes` and in `disabled`, each entry once):
 *            agrees when Medallion has the same unique_id in the same state (enabled or disabled) with
 *            the same depends_on.nodes set; Medallion's extra models/seeds/snapshots are disagreements too;
 *   tests    unique_ids in both / only dbt / only Medallion (enabled and disabled), and for the ones in
 *            both, the same depends_on.nodes set ("parents");
 *   sources  unique_ids (with their state) in both / only one side;
 *   macros   unique_ids in both / only one side, dbt's own built-in packages (dbt, dbt_<adapter>) left out:
 *            Medallion ships those internally and does not list them;
 *   configs  for every model, seed, snapshot and test in both (same unique_id and state), the config keys
 *            that change behaviour (CONFIG_KEYS; tags as a set, meta as key-sorted JSON, absent = null):
 *            disagreements counted per key, a few shown;
 *   Medallion's exit code and its error count (its summary line; error diagnostics on stderr).
 * One summary line per project; the exit code is 1 when anything disagrees, 2 on bad usage.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_PROJECTS = ['cal_itp', 'mattermost_analytics', 'mattermost_snowflake', 'ol_dbt', 'tuva', 'spellbook_dex', 'spellbook_daily_spellbook', 'gnosis_cerebro', 'teamster_kipptaf'];
const PUBLIC_PROFILES = { mattermost_analytics: 'profile', mattermost_snowflake: 'profile', tuva: 'profiles/databricks' };
const DBT_BUILTIN_PACKAGES = new Set(['dbt', 'dbt_postgres', 'dbt_snowflake', 'dbt_bigquery', 'dbt_trino', 'dbt_databricks', 'dbt_spark', 'dbt_duckdb', 'dbt_redshift', 'dbt_athena', 'dbt_fabric', 'dbt_clickhouse']);
const GRAPH_TYPES = new Set(['model', 'seed', 'snapshot']);
const CONFIG_TYPES = new Set(['model', 'seed', 'snapshot', 'test']);
const CONFIG_KEYS = ['enabled', 'materialized', 'severity', 'fail_calc', 'warn_if', 'error_if', 'store_failures', 'where', 'limit', 'tags', 'schema', 'alias', 'database', 'unique_key', 'incremental_strategy', 'on_schema_change', 'full_refresh', 'meta'];

function usage(message) {
  process.stderr.write(`compare.mjs: ${message}\nusage: node compare.mjs [--repo R] [--env FILE] [--target T] [--show N] [--no-verify] [--keep DIR] PROJECT:PROFILES_DIR:DBT_MANIFEST ...\n       node compare.mjs [--repo R] --public DIR [name ...]\n`);
  process.exit(2);
}

function parseCli(argv) {
  const cli = { repo: resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), show: 5, verify: true, projects: [] };
  let publicDir;
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--repo') cli.repo = resolve(value());
    else if (a === '--env') cli.envFile = resolve(value());
    else if (a === '--show') cli.show = Number(value());
    else if (a === '--target') cli.target = value();
    else if (a === '--no-verify') cli.verify = false;
    else if (a === '--keep') cli.keep = resolve(value());
    else if (a === '--public') publicDir = resolve(value());
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else names.push(a);
  }
  if (publicDir) {
    cli.envFile ??= join(publicDir, 'dbt-parse.sh');
    for (const name of names.length ? names : PUBLIC_PROJECTS) {
      const dir = join(publicDir, 'projects', name);
      cli.projects.push({ name, dir, profiles: join(dir, PUBLIC_PROFILES[name] ?? '.'), manifest: join(publicDir, 'out', name, 'target', 'manifest.json') });
    }
  } else {
    for (const spec of names) {
      const [dir, profiles, manifest] = spec.split(':');
      if (!dir || !manifest) usage(`${spec}: expected PROJECT:PROFILES_DIR:DBT_MANIFEST (PROFILES_DIR may be empty)`);
      cli.projects.push({ name: basename(resolve(dir)), dir: resolve(dir), profiles: profiles ? resolve(profiles) : undefined, manifest: resolve(manifest) });
    }
  }
  if (cli.projects.length === 0) usage('no project given');
  if (!Number.isInteger(cli.show) || cli.show < 0) usage('--show takes a count');
  if (!existsSync(join(cli.repo, 'bin', 'medallion.js'))) usage(`${cli.repo} has no bin/medallion.js`);
  return cli;
}

/** `export KEY=VALUE` lines of a shell script (or every KEY=VALUE when it has none), as the cold-start bench reads them. */
function readEnvFile(file) {
  const env = {};
  if (!file) return env;
  const lines = readFileSync(file, 'utf8').split('\n');
  const exported = lines.filter((line) => /^\s*export\s/.test(line));
  for (const line of exported.length > 0 ? exported : lines) {
    for (const m of line.replace(/^\s*export\s+/, '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[m[1]] = m[2];
  }
  return env;
}

/** Every entry of a manifest as { id, enabled, node }: `nodes`/`sources` enabled, `disabled` lists not. */
function entries(manifest, keep) {
  const out = [];
  for (const node of Object.values(manifest.nodes ?? {})) if (keep(node)) out.push({ id: node.unique_id, enabled: true, node });
  for (const node of Object.values(manifest.sources ?? {})) if (keep(node)) out.push({ id: node.unique_id, enabled: true, node });
  for (const [id, list] of Object.entries(manifest.disabled ?? {})) {
    for (const node of list) if (keep(node)) out.push({ id: node.unique_id ?? id, enabled: false, node });
  }
  return out;
}

const depsOf = (node) => [...new Set(node.depends_on?.nodes ?? [])].sort();
const sameSet = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const state = (enabled) => (enabled ? 'enabled' : 'disabled');
const pct = (n, d) => (d === 0 ? '100.0' : ((100 * n) / d).toFixed(1));

/** "+a, -b": what Medallion has more (+) and less (-) than dbt. */
function setDiff(dbtDeps, medDeps) {
  const more = medDeps.filter((x) => !dbtDeps.includes(x)).map((x) => `+${x}`);
  const less = dbtDeps.filter((x) => !medDeps.includes(x)).map((x) => `-${x}`);
  return [...more, ...less].join(', ');
}

/** Group entries by unique_id and state (several disabled entries may share an id: one per file). */
function byKey(list) {
  const map = new Map();
  for (const e of list) {
    const key = `${e.id}\u0000${e.enabled}`;
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(e);
  }
  return map;
}

/** The entry of `candidates` that best matches `e` (same file first, then same parents), used once. */
function takeMatch(e, candidates) {
  if (!candidates || candidates.length === 0) return undefined;
  const deps = depsOf(e.node);
  let i = candidates.findIndex((c) => c.node.original_file_path === e.node.original_file_path && sameSet(depsOf(c.node), deps));
  if (i < 0) i = candidates.findIndex((c) => c.node.original_file_path === e.node.original_file_path);
  if (i < 0) i = candidates.findIndex((c) => sameSet(depsOf(c.node), deps));
  if (i < 0) i = 0;
  return candidates.splice(i, 1)[0];
}

function compareNodes(dbt, med) {
  const dbtList = entries(dbt, (n) => GRAPH_TYPES.has(n.resource_type));
  const medByKey = byKey(entries(med, (n) => GRAPH_TYPES.has(n.resource_type)));
  const medIds = new Map();
  for (const list of medByKey.values()) for (const e of list) medIds.set(e.id, [...(medIds.get(e.id) ?? []), e.enabled]);
  let agree = 0;
  const problems = [];
  for (const e of dbtList) {
    const match = takeMatch(e, medByKey.get(`${e.id}\u0000${e.enabled}`));
    if (!match) {
      const other = medIds.get(e.id);
      problems.push(other ? `${e.id}: dbt ${state(e.enabled)}, medallion ${other.map(state).join('+')} (${e.node.original_file_path})` : `${e.id}: missing in medallion (${e.node.original_file_path}, dbt ${state(e.enabled)})`);
      continue;
    }
    const dbtDeps = depsOf(e.node);
    const medDeps = depsOf(match.node);
    if (sameSet(dbtDeps, medDeps)) agree++;
    else problems.push(`${e.id} (${state(e.enabled)}): depends_on.nodes differ: ${setDiff(dbtDeps, medDeps)}`);
  }
  // Unmatched entries of ids dbt does not have (an id in the other state is already a problem above).
  const dbtIds = new Set(dbtList.map((e) => e.id));
  const extra = [];
  for (const list of medByKey.values()) for (const e of list) if (!dbtIds.has(e.id)) extra.push(`${e.id}: only in medallion (${state(e.enabled)}, ${e.node.original_file_path})`);
  return { agree, total: dbtList.length, problems, extra };
}

function compareTests(dbt, med) {
  const isTest = (n) => n.resource_type === 'test';
  const dbtMap = new Map(entries(dbt, isTest).map((e) => [e.id, e]));
  const medMap = new Map(entries(med, isTest).map((e) => [e.id, e]));
  const onlyDbt = [...dbtMap.keys()].filter((id) => !medMap.has(id));
  const onlyMed = [...medMap.keys()].filter((id) => !dbtMap.has(id));
  let both = 0;
  let parents = 0;
  const parentProblems = [];
  for (const [id, d] of dbtMap) {
    const m = medMap.get(id);
    if (!m) continue;
    both++;
    const dd = depsOf(d.node);
    const md = depsOf(m.node);
    if (sameSet(dd, md) && d.enabled === m.enabled) parents++;
    else parentProblems.push(`${id}: ${d.enabled === m.enabled ? '' : `dbt ${state(d.enabled)}, medallion ${state(m.enabled)}; `}${sameSet(dd, md) ? '' : `depends_on.nodes ${setDiff(dd, md)}`}`);
  }
  const detail = (id, e) => `${id} (${e.node.original_file_path}${e.node.attached_node ? `, on ${e.node.attached_node}` : ''})`;
  return {
    both,
    parents,
    onlyDbt: onlyDbt.map((id) => detail(id, dbtMap.get(id))),
    onlyMed: onlyMed.map((id) => detail(id, medMap.get(id))),
    parentProblems,
    dbtTotal: dbtMap.size,
  };
}

/** JSON with object keys sorted (meta's key order does not change behaviour). */
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** One config value as compared: absent is null, tags a sorted set (a string is a one-tag list). */
function configValue(config, key) {
  const v = config?.[key];
  if (key === 'tags') return stableJson([...new Set(v == null ? [] : Array.isArray(v) ? v : [v])].sort());
  return stableJson(v);
}

const clip = (s, n = 80) => (s.length > n ? `${s.slice(0, n)}...` : s);

/** Per CONFIG_KEYS key, the nodes in both (same id and state) whose config value differs. */
function compareConfigs(dbt, med) {
  const medByKey = byKey(entries(med, (n) => CONFIG_TYPES.has(n.resource_type)));
  const perKey = new Map(CONFIG_KEYS.map((k) => [k, []]));
  let both = 0;
  let agree = 0;
  for (const e of entries(dbt, (n) => CONFIG_TYPES.has(n.resource_type))) {
    const match = takeMatch(e, medByKey.get(`${e.id}\u0000${e.enabled}`));
    if (!match) continue;
    both++;
    let same = true;
    for (const key of CONFIG_KEYS) {
      const d = configValue(e.node.config, key);
      const m = configValue(match.node.config, key);
      if (d === m) continue;
      same = false;
      perKey.get(key).push(`${e.id}: ours ${clip(m)}, dbt ${clip(d)}`);
    }
    if (same) agree++;
  }
  return { both, agree, perKey };
}

function compareIds(dbtIds, medIds) {
  const med = new Set(medIds);
  const dbt = new Set(dbtIds);
  return { both: [...dbt].filter((id) => med.has(id)).length, onlyDbt: [...dbt].filter((id) => !med.has(id)), onlyMed: [...med].filter((id) => !dbt.has(id)) };
}

const sourceIds = (m) => entries(m, (n) => n.resource_type === 'source').map((e) => (e.enabled ? e.id : `${e.id} (disabled)`));
const macroIds = (m) => Object.values(m.macros ?? {}).filter((x) => !DBT_BUILTIN_PACKAGES.has(x.package_name)).map((x) => x.unique_id);

function runMedallion(cli, project, env) {
  const target = cli.keep ? join(cli.keep, project.name) : mkdtempSync(join(tmpdir(), 'medallion-compare-'));
  if (cli.keep) mkdirSync(target, { recursive: true });
  const args = [join(cli.repo, 'bin', 'medallion.js'), 'parse', ...(cli.verify ? ['--verify'] : []), ...(project.profiles ? ['--profiles-dir', project.profiles] : []), ...(cli.target ? ['--target', cli.target] : []), '--target-path', target];
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: project.dir, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' }, maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const errorLines = stderr.split('\n').filter((l) => /^\S.*: error\b/.test(l) || /^medallion \w+: /.test(l));
  const summary = /; (\d+) errors?, (\d+) warnings?\s*$/m.exec(stdout);
  const errors = summary ? Number(summary[1]) : errorLines.length;
  let manifest;
  const file = join(target, 'manifest.json');
  if (existsSync(file)) manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (!cli.keep) rmSync(target, { recursive: true, force: true });
  return { rc: r.status ?? -1, signal: r.signal, errors, errorLines, manifest, seconds, stdout };
}

function show(label, list, n) {
  if (list.length === 0 || n === 0) return;
  process.stdout.write(`  ${label} (${list.length}):\n`);
  for (const line of list.slice(0, n)) process.stdout.write(`    ${line}\n`);
  if (list.length > n) process.stdout.write(`    ... ${list.length - n} more\n`);
}

function compareProject(cli, project, env) {
  if (!existsSync(project.manifest)) return { ok: false, line: `${project.name}: no dbt manifest at ${project.manifest}` };
  const dbt = JSON.parse(readFileSync(project.manifest, 'utf8'));
  const med = runMedallion(cli, project, env);
  if (!med.manifest) {
    show('medallion errors', med.errorLines, cli.show);
    return { ok: false, line: `${project.name}: medallion wrote no manifest (rc ${med.rc}${med.signal ? `, ${med.signal}` : ''}, errors ${med.errors})` };
  }
  const nodes = compareNodes(dbt, med.manifest);
  const tests = compareTests(dbt, med.manifest);
  const sources = compareIds(sourceIds(dbt), sourceIds(med.manifest));
  const macros = compareIds(macroIds(dbt), macroIds(med.manifest));
  const configs = compareConfigs(dbt, med.manifest);
  const configCounts = [...configs.perKey].filter(([, list]) => list.length > 0).map(([key, list]) => `${key} ${list.length}`);
  const ok =
    nodes.agree === nodes.total && nodes.extra.length === 0 &&
    tests.onlyDbt.length === 0 && tests.onlyMed.length === 0 && tests.parents === tests.both &&
    sources.onlyDbt.length === 0 && sources.onlyMed.length === 0 &&
    macros.onlyDbt.length === 0 && macros.onlyMed.length === 0 &&
    configs.agree === configs.both &&
    med.errors === 0 && med.rc === 0;
  const line =
    `${project.name}: nodes ${nodes.agree}/${nodes.total} ${pct(nodes.agree, nodes.total)}%` +
    `${nodes.extra.length ? ` (+${nodes.extra.length} only medallion)` : ''}, ` +
    `tests ${tests.both}/${tests.dbtTotal} both (only dbt ${tests.onlyDbt.length}, only medallion ${tests.onlyMed.length}, parents ${tests.parents}/${tests.both}), ` +
    `sources ${sources.both} both (only dbt ${sources.onlyDbt.length}, only medallion ${sources.onlyMed.length}), ` +
    `macros ${macros.both} both (only dbt ${macros.onlyDbt.length}, only medallion ${macros.onlyMed.length}), ` +
    `configs ${configs.agree}/${configs.both} (${configCounts.length ? configCounts.join(', ') : 'all keys agree'}), ` +
    `errors ${med.errors}, rc ${med.rc}, ${med.seconds.toFixed(1)} s`;
  show('nodes that disagree', nodes.problems, cli.show);
  show('nodes only in medallion', nodes.extra, cli.show);
  show('tests only in dbt', tests.onlyDbt, cli.show);
  show('tests only in medallion', tests.onlyMed, cli.show);
  show('tests whose parents or state differ', tests.parentProblems, cli.show);
  show('sources only in dbt', sources.onlyDbt, cli.show);
  show('sources only in medallion', sources.onlyMed, cli.show);
  show('macros only in dbt', macros.onlyDbt, cli.show);
  show('macros only in medallion', macros.onlyMed, cli.show);
  for (const [key, list] of configs.perKey) show(`config.${key} differs`, list, cli.show);
  show('medallion errors', med.errorLines, cli.show);
  return { ok, line };
}

const cli = parseCli(process.argv.slice(2));
const env = readEnvFile(cli.envFile);
const lines = [];
let allOk = true;
for (const project of cli.projects) {
  process.stdout.write(`== ${project.name} (${project.dir})\n`);
  const { ok, line } = compareProject(cli, project, env);
  process.stdout.write(`${line}\n`);
  lines.push(line);
  allOk &&= ok;
}
if (cli.projects.length > 1) process.stdout.write(`\nsummary (medallion ${cli.repo}${cli.verify ? ', --verify' : ''}):\n${lines.join('\n')}\n`);
process.exit(allOk ? 0 : 1);
