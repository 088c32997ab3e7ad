/**
 * `medallion` command line. Exit codes: 0 done, 1 the command ran but found errors
 * (or could not complete), 2 bad usage or no project.
 */
import { ageText } from '../core/age';
import { analyzeProject, type Analysis, type AnalyzeOptions } from '../core/analysis';
import { findNode } from '../core/lookup';
import type { ProjectNode } from '../core/model';
import { selectNodes } from '../core/selector';
import { createCompiler, defaultProfilesDirs, resolveTarget, type CompilerRequest } from '../core/session';
import { NodeFileHost } from '../node/fs-host';
import { invocationClock, systemClock } from '../node/clock';
import type { Clock } from '../core/clock';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYamlValue } from 'yaml';
import { findProjectRoot } from '../node/project-root';
import { flag, option, parseArgs, UsageError, type ParsedArgs } from './args';
import { bold, dim, printDiagnostics, red, yellow } from './output';
import { COMMON_OPTIONS, commandHelp, globalHelp, isFlag, OPTIONS, outputFormat, unknownCommand, unknownOption, type CommandHelp } from './help';
import { isBug } from './errors';
import { cleanCommand } from './clean';
import { suggest } from '../core/text';
import type { Diagnostic } from '../core/diagnostics';
import type { ProjectRunRequest } from '../runner/project-run';
import type { RunCommand } from '../runner/types';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { retryPlan, type PreviousState } from '../core/state';
import { hostReader } from '../core/state-view';
import type { FreshnessRequest } from '../runner/freshness';
import { randomUUID } from 'node:crypto';
import { writeManifest } from '../runner/artifacts';

// What only some commands use is loaded when they run: `medallion parse` (or ls) starts without
// evaluating the runner, the engines, deps, init, the docs server or the landing zone, nor the
// Node built-ins they import (child_process, http, readline, zlib, streams).
const runner = (): typeof import('../runner/project-run') => require('../runner/project-run') as typeof import('../runner/project-run');
const failures = (): typeof import('../runner/failures') => require('../runner/failures') as typeof import('../runner/failures');
const landingZone = (): typeof import('../runner/landing-zone') => require('../runner/landing-zone') as typeof import('../runner/landing-zone');
const stateFiles = (): typeof import('../runner/state-files') => require('../runner/state-files') as typeof import('../runner/state-files');

/** What a command needs: its help (which also declares its options) and how it runs. */
interface Command {
  help: CommandHelp;
  /** 'none': runs without loading a project (init, deps and debug find what they need themselves). */
  project?: 'none';
  run(args: ParsedArgs, analysis: Analysis, host: NodeFileHost): number | Promise<number>;
  runAlone?(args: ParsedArgs): number | Promise<number>;
}

const RUN_OPTIONS = ['select', 'models', 'exclude', 'resource-type', 'threads', 'full-refresh', 'fail-fast', 'allow-load-errors', 'target', 'vars', 'landing', 'state', 'defer', 'favor-state', 'defer-state', 'output'];

/** Commands that write target/manifest.json. */
const WRITES_MANIFEST = new Set(['parse', 'build', 'run', 'test', 'seed', 'snapshot', 'docs']);

const RUN_TYPES: Record<RunCommand, string> = { build: 'nodes', run: 'models', test: 'tests', seed: 'seeds', snapshot: 'snapshots' };

function runHelp(command: RunCommand): CommandHelp {
  const what: Record<RunCommand, string> = {
    build: 'seed, run, snapshot and test the selection in dependency order (children wait for their parents\' tests)',
    run: 'build the selected models in dependency order',
    test: 'run the selected data tests and unit tests',
    seed: 'load the selected seeds (CSV files) into tables',
    snapshot: 'run the selected snapshots (slowly changing dimension history)',
  };
  const examples: Record<RunCommand, string[]> = {
    build: ['medallion build', 'medallion build -s +gold_daily_sales        # a model with everything upstream', 'medallion build -s layer:silver --full-refresh', 'medallion build --target databricks --threads 8', 'medallion build --output json > summary.json'],
    run: ['medallion run -s silver_orders+              # a model and everything downstream', 'medallion run -s "layer:gold,config.materialized:table"', 'medallion run --exclude tag:nightly', 'medallion run -s result:error+ --state target   # what failed last time, and its children'],
    test: ['medallion test -s silver_orders', 'medallion test -s "resource_type:unit_test"'],
    seed: ['medallion seed', 'medallion seed -s product_categories --full-refresh'],
    snapshot: ['medallion snapshot', 'medallion snapshot -s products_snapshot'],
  };
  return {
    usage: `${command} [<selector>...] [options]`,
    summary: what[command],
    details: [
      'A failure skips only its descendants; Ctrl-C cancels the running statements and stops cleanly.',
      'The summary\'s rows column: a table\'s or seed\'s row count after the build; the rows an incremental',
      'model merged or a snapshot added in this run (+N); a failing test\'s failing rows.',
    ],
    // dbt's --store-failures is an option of the commands that run data tests.
    options: command === 'build' || command === 'test' ? RUN_OPTIONS.flatMap((o) => (o === 'fail-fast' ? [o, 'store-failures'] : [o])) : RUN_OPTIONS,
    examples: examples[command],
  };
}

const commands: Record<string, Command> = {
  init: {
    help: {
      usage: 'init [<dir>] [options]',
      summary: 'create a medallion project that builds at once on the embedded DuckDB',
      details: ['On a terminal it asks for what the flags leave out; without one it takes the defaults.'],
      options: ['name', 'database', 'yes'],
      examples: ['medallion init shop && cd shop && medallion build', 'medallion init . --name sales --yes', 'medallion init analytics --database warehouse/analytics.duckdb'],
    },
    project: 'none',
    run: () => 2,
    runAlone: (args) => (require('./init') as typeof import('./init')).initCommand(args),
  },
  deps: {
    help: {
      usage: 'deps [options]',
      summary: 'install the packages of packages.yml / dependencies.yml into dbt_packages/, as dbt deps does',
      details: [
        'Hub packages (version ranges intersected across every package that asks), git (revision, subdirectory)',
        'and local packages. package-lock.yml pins what was resolved and is honoured until packages.yml changes.',
        'DBT_PACKAGE_HUB_URL points at another package hub.',
      ],
      options: ['upgrade', 'lock'],
      examples: ['medallion deps', 'medallion deps --upgrade              # newest allowed versions, new lock', 'medallion deps --lock                 # only write package-lock.yml'],
    },
    project: 'none',
    run: () => 2,
    runAlone: (args) => (require('./deps') as typeof import('./deps')).depsCommand(args),
  },
  debug: {
    help: {
      usage: 'debug [options]',
      summary: 'check the setup: versions, the project, profiles.yml and the target, and a real connection',
      options: ['target', 'connection', 'output'],
      examples: ['medallion debug', 'medallion debug --target databricks', 'medallion debug --connection --output json'],
    },
    project: 'none',
    run: () => 2,
    runAlone: (args) => (require('./debug') as typeof import('./debug')).debugCommand(args, ownVersion(), (root) => parseOptions(args, root)),
  },
  clean: {
    help: {
      usage: 'clean [options]',
      summary: 'delete the clean-targets of dbt_project.yml (default: the target folder), never a source folder',
      options: [],
      examples: ['medallion clean', 'medallion clean --project path/to/project'],
    },
    run: (args, analysis) => cleanCommand(analysis, flag(args, 'quiet')),
  },
  parse: {
    help: {
      usage: 'parse [options]',
      summary: 'load the project, report every problem as file:line:col (exit 1 on errors) and write target/manifest.json as dbt parse does',
      details: ['--verify (or MEDALLION_VERIFY_PARSE=1) renders every node and fails where the static fast path would have disagreed.'],
      options: ['target', 'vars', 'verify'],
      examples: ['medallion parse', 'medallion parse --project path/to/project', 'medallion parse --verify --target prod'],
    },
    run(args, analysis, host) {
      const { project, diagnostics } = analysis;
      printDiagnostics(diagnostics, project, host);
      writeParseManifest(args, analysis, host);
      const counts = new Map<string, number>();
      for (const n of project.nodes.values()) counts.set(n.resourceType, (counts.get(n.resourceType) ?? 0) + 1);
      const macroCount = [...project.macros.values()].reduce((a, l) => a + l.length, 0);
      const summary = ['model', 'seed', 'snapshot', 'source', 'test', 'unit_test', 'analysis', 'exposure']
        .filter((t) => counts.get(t))
        .map((t) => countOf(counts.get(t)!, t === 'unit_test' ? 'unit test' : t));
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
      process.stdout.write(`${bold(project.config.name)}: ${[...summary, countOf(macroCount, 'macro')].join(', ')}; ${countOf(errors, 'error')}, ${countOf(warnings, 'warning')}\n`);
      return errors > 0 ? 1 : 0;
    },
  },
  ls: {
    help: {
      usage: 'ls [options]',
      summary: 'list the nodes a selection picks, in dependency order',
      options: ['select', 'models', 'exclude', 'resource-type', 'state', 'output'],
      examples: ['medallion ls --select +gold_daily_sales --output name', 'medallion ls -s "layer:silver,config.materialized:table" --exclude silver_users', 'medallion ls --resource-type seed,snapshot --output path'],
    },
    run(args, analysis) {
      const { graph, project } = analysis;
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) process.stderr.write(`${errors} errors in ${project.config.name}; \`medallion parse\` lists them\n`);
      const select = [...(args.options.get('select') ?? []), ...(args.options.get('models') ?? [])];
      const exclude = args.options.get('exclude') ?? [];
      const resourceTypes = (args.options.get('resource-type') ?? []).flatMap((t) => t.split(',')).filter(Boolean);
      const state = previousState(args, analysis);
      if (state === null) return 2;
      const { ids, problems } = selectNodes(graph, { select, exclude, resourceTypes, ...(state ? { state, readFile: hostReader(new NodeFileHost(), project.root) } : {}) });
      for (const p of problems) process.stderr.write(`warning: ${p}\n`);
      const output = outputFormat('ls', option(args, 'output'));
      const nodes = graph.topologicalOrder(ids).map((id) => graph.node(id)!);
      for (const node of nodes) {
        if (output === 'json') process.stdout.write(JSON.stringify(nodeJson(node)) + '\n');
        else if (output === 'path') process.stdout.write(node.file + '\n');
        else if (output === 'name') process.stdout.write(node.name + '\n');
        else process.stdout.write(selectorName(node) + '\n');
      }
      return problems.some((p) => /^(Unknown|Cannot)/.test(p)) ? 2 : 0;
    },
  },
  compile: {
    help: {
      usage: 'compile [<selector>...] [options]',
      summary: 'print the compiled SQL of the selected models, snapshots, analyses and tests',
      details: ['MEDALLION_RUN_STARTED_AT=2024-01-01T00:00:00Z pins run_started_at (and the clock modules.datetime reads) for reproducible output.'],
      options: ['select', 'models', 'exclude', 'target', 'vars', 'output'],
      examples: ['medallion compile silver_orders', 'medallion compile gold_daily_sales --target databricks', 'medallion compile -s layer:gold --output json'],
    },
    run(args, analysis, host) {
      const { graph, project } = analysis;
      const select = [...args.positional, ...(args.options.get('select') ?? []), ...(args.options.get('models') ?? [])];
      const { ids, problems } = selectNodes(graph, { select, exclude: args.options.get('exclude') ?? [], indirectSelection: 'empty' });
      for (const p of problems) process.stderr.write(`warning: ${p}\n`);
      const env = process.env as Record<string, string | undefined>;
      const profilesDir = option(args, 'profiles-dir');
      const request: CompilerRequest = {
        env,
        profilesDirs: profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(project.root, env),
        clock: invocation,
      };
      const target = option(args, 'target');
      if (target) request.target = target;
      const vars = option(args, 'vars');
      if (vars) request.vars = parseVars(vars);
      const { compiler, resolved } = createCompiler(host, analysis, request);
      // An adapter Medallion cannot run on (snowflake, bigquery, ...) still compiles.
      const profileErrors = resolved.diagnostics.filter((d) => d.severity === 'error' && d !== resolved.unsupportedAdapter);
      printDiagnostics([...profileErrors, ...compiler.macroProblems], project, host);
      if (profileErrors.length > 0) return 1;
      const json = outputFormat('compile', option(args, 'output')) === 'json';
      let failed = 0;
      const compilable = new Set(['model', 'snapshot', 'analysis', 'test']);
      for (const id of graph.topologicalOrder(ids)) {
        const node = graph.node(id)!;
        if (!compilable.has(node.resourceType) || (node.resourceType === 'test' && node.test?.attachedTo)) continue;
        const result = compiler.compile(id);
        printDiagnostics(result.diagnostics, project, host);
        if (result.sql === undefined) failed++;
        if (json) process.stdout.write(JSON.stringify({ unique_id: id, relation: result.relation ?? null, compiled_code: result.sql ?? null }) + '\n');
        else if (result.sql !== undefined) process.stdout.write(`${dim(`-- ${node.name} (${node.file})${result.relation ? ` → ${result.relation}` : ''}`)}\n${result.sql.trim()}\n\n`);
      }
      return failed > 0 ? 1 : 0;
    },
  },
  docs: {
    help: {
      usage: 'docs generate | docs serve [options]',
      summary: 'write manifest.json, catalog.json and a docs site into target/, or serve them on 127.0.0.1',
      details: [
        'generate: the catalog holds every model, seed, snapshot and source the warehouse has (types, columns in',
        'order), in dbt\'s schema, so dbt-docs and other tools read it; what is not built yet is left out, as dbt does.',
        'serve: target/ over HTTP on the loopback interface until Ctrl-C (run generate first).',
      ],
      options: ['target', 'vars', 'empty-catalog', 'port', 'output'],
      examples: ['medallion build && medallion docs generate && medallion docs serve', 'medallion docs serve --port 8081', 'medallion docs generate --target databricks'],
    },
    run: (args, analysis, host) => docsCommand(args, analysis, host),
  },
  source: {
    help: {
      usage: 'source freshness [options]',
      summary: 'check how fresh the selected sources are, as dbt source freshness, into target/sources.json',
      details: [
        'A source with warn_after/error_after is measured by max(loaded_at_field) (or loaded_at_query) in the',
        'warehouse; a landing source without a loaded_at_field by its landing files\' arrival times (disk or S3).',
        'Exit 1 when a source is past error_after or cannot be measured; warnings exit 0.',
      ],
      options: ['select', 'models', 'exclude', 'target', 'vars', 'landing', 'output'],
      examples: ['medallion source freshness', 'medallion source freshness -s source:landing.orders', 'medallion source freshness --output json'],
    },
    run: (args, analysis, host) => sourceFreshness(args, analysis, host),
  },
  retry: {
    help: {
      usage: 'retry [options]',
      summary: 'run the previous build/run/test/seed/snapshot again, only on the nodes that errored, failed or were skipped',
      details: [
        'Reads target/run_results.json (or --state DIR) as dbt retry does: the same command, target, vars and',
        'flags, on exactly the nodes whose status was error, fail or skipped. --threads and --vars override.',
      ],
      options: ['state', 'threads', 'vars', 'target', 'allow-load-errors', 'output'],
      examples: ['medallion build && medallion retry       # after fixing what failed', 'medallion retry --state ci-artifacts --threads 8'],
    },
    run: (args, analysis, host) => retryRun(args, analysis, host),
  },
  build: runCommand('build'),
  run: runCommand('run'),
  test: runCommand('test'),
  seed: runCommand('seed'),
  snapshot: runCommand('snapshot'),
  show: {
    help: {
      usage: 'show <node> [options]',
      summary: 'run a model\'s compiled SQL (or read a seed or source) and print its first rows',
      options: ['limit', 'target', 'vars', 'output', 'select'],
      examples: ['medallion show gold_daily_sales', 'medallion show silver_orders --limit 50 --output json', 'medallion show gold_daily_sales --target databricks'],
    },
    async run(args, analysis, host) {
      const query = args.positional[0] ?? option(args, 'select');
      if (!query) throw new UsageError('show needs a model, e.g. `medallion show gold_daily_sales`');
      const node = findNode(analysis.graph, query);
      if (!node) return noSuchNode(query, analysis);
      const limit = Number(option(args, 'limit') ?? '10');
      if (!(limit >= 0)) throw new UsageError('--limit must be a number');
      const json = outputFormat('show', option(args, 'output')) === 'json';
      const request = targetRequest(args, analysis);
      const { compiler, resolved } = createCompiler(host, analysis, request);
      if (targetProblems(resolved.diagnostics, analysis, host)) return 1;
      const compiled = node.resourceType === 'seed' || node.resourceType === 'source' ? { sql: `select * from ${compiler.relation(node).render()}`, diagnostics: [] } : compiler.compile(node.uniqueId);
      printDiagnostics(compiled.diagnostics, analysis.project, host);
      if (compiled.sql === undefined) return 1;
      const engine = await runner().openEngine(resolved.target, analysis.project.root, process.env as Record<string, string | undefined>);
      try {
        const session = await engine.acquire();
        const started = performance.now();
        const result = await session.execute(`select * from (\n${compiled.sql}\n) as medallion_show limit ${Math.floor(limit)}`);
        const seconds = (performance.now() - started) / 1000;
        if (json) {
          const rows = result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, jsonValue(r[i])])));
          process.stdout.write(JSON.stringify({ node: node.uniqueId, columns: result.columns, rows, seconds }) + '\n');
        } else {
          process.stdout.write(formatTable(result.columns.map((c) => c.name), result.rows) + `\n${dim(`${result.rows.length} rows of ${node.name} in ${seconds.toFixed(2)}s`)}\n`);
        }
        return 0;
      } catch (err) {
        process.stderr.write(`${node.file}: ${(err as Error).message}\n`);
        return 1;
      } finally {
        await engine.close();
      }
    },
  },
  landing: {
    help: {
      usage: 'landing upload <dir> | landing ls [options]',
      summary: 'upload raw files to the landing zone, or list what has landed per source table',
      details: [
        'upload copies each landing table\'s folder <dir>/<table>/ (or <dir> itself with --source) to its location.',
        'MEDALLION_LANDING_S3=s3://bucket/prefix (or --landing) puts every landing table at <prefix>/<table>/;',
        'AWS_ENDPOINT_URL_S3 points at an S3-compatible store; credentials come from the standard AWS chain.',
      ],
      options: ['source', 'landing'],
      examples: ['medallion landing upload landing-data --landing s3://my-bucket/retail', 'medallion landing upload ./new-orders --source landing.orders', 'medallion landing ls'],
    },
    async run(args, analysis) {
      const [action, dir] = args.positional;
      if (action !== 'upload' && action !== 'ls') throw new UsageError('landing needs `upload <dir>` or `ls`');
      const env = process.env as Record<string, string | undefined>;
      const options = landingZone().landingOptionsFromEnv(analysis.project.root, env, option(args, 'landing'));
      const wanted = option(args, 'source');
      const { landingTables, uploadProjectLanding } = require('../landing/project-upload') as typeof import('../landing/project-upload');
      const specs = landingTables(analysis, wanted);
      if (specs.length === 0) {
        process.stderr.write(wanted ? `No landing table '${wanted}' (sources with meta.landing.location)\n` : 'No source declares a landing location (meta: {landing: {location: ...}})\n');
        return 1;
      }
      if (action === 'upload') {
        if (!dir) throw new UsageError('landing upload needs the folder to upload, e.g. `medallion landing upload models/landing-data`');
        let failed = 0;
        for (const t of await uploadProjectLanding(analysis, options, { dir, ...(wanted ? { source: wanted } : {}) })) {
          if (t.status === 'local') process.stdout.write(`${t.table}: lands in the local folder ${t.to}; nothing to upload (set MEDALLION_LANDING_S3 or --landing for S3)\n`);
          else if (t.status === 'missing') process.stdout.write(`${t.table}: no folder ${t.from}, skipped\n`);
          else if (t.status === 'uploaded') process.stdout.write(`${t.table}: uploaded ${t.files} files (${t.bytes} bytes${t.multipart ? ', multipart for large ones' : ''}) to ${t.to}\n`);
          else {
            failed++;
            process.stderr.write(`${t.table}: ${t.message}\n`);
          }
        }
        return failed > 0 ? 1 : 0;
      }
      // Loaded here, not at startup: the AWS SDK is large and only this command and S3 runs need it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
      const { createS3Client, listLocation } = require('../landing') as typeof import('../landing');
      let client: ReturnType<typeof createS3Client> | undefined;
      let failed = 0;
      for (const spec of specs) {
        const table = `${spec.node.source!.sourceName}.${spec.node.name}`;
        const text = landingZone().tableLocation(spec.node, spec.location, options);
        try {
          const location = (require('../landing/location') as typeof import('../landing/location')).parseLocation(text, analysis.project.root);
          if (location.kind === 'local') {
            const files = existsSync(location.path) ? readdirSync(location.path).filter((f) => !f.startsWith('.')) : [];
            process.stdout.write(`${table}  ${text}  ${files.length} files (local)\n${files.map((f) => `  ${f}\n`).join('')}`);
          } else {
            client ??= createS3Client(options.s3);
            const objects = await listLocation(client, { bucket: location.bucket, prefix: location.prefix });
            process.stdout.write(`${table}  ${text}  ${objects.length} objects\n${objects.map((o) => `  ${o.key}  ${o.size} bytes\n`).join('')}`);
          }
        } catch (err) {
          failed++;
          process.stderr.write(`${table}: ${(err as Error).message}\n`);
        }
      }
      return failed > 0 ? 1 : 0;
    },
  },
  lineage: {
    help: {
      usage: 'lineage <node> [options]',
      summary: 'upstream and downstream of a node, with layers and depths; with --column, one column traced to its sources and to everything computed from it',
      options: ['depth', 'column', 'target', 'vars', 'output'],
      examples: ['medallion lineage silver_orders', 'medallion lineage landing.orders --depth 1', 'medallion lineage gold_daily_sales --output json', 'medallion lineage silver_orders --column order_amount'],
    },
    run(args, analysis, host) {
      const { graph } = analysis;
      const query = args.positional[0];
      if (!query) throw new UsageError('lineage needs a node name, e.g. `medallion lineage silver_orders`');
      const node = findNode(graph, query);
      if (!node) return noSuchNode(query, analysis);
      const column = option(args, 'column');
      if (column) return (require('./column-lineage') as typeof import('./column-lineage')).columnLineageCommand(analysis, host, node, column, targetRequest(args, analysis), option(args, 'output'));
      const depthText = option(args, 'depth');
      const depth = depthText === undefined ? Infinity : Number(depthText);
      if (!(depth >= 1)) throw new UsageError('--depth must be a positive number');
      const upstream = [...graph.upstream(node.uniqueId, depth)].map(([id, d]) => ({ node: graph.node(id)!, depth: d }));
      const downstream = [...graph.downstream(node.uniqueId, depth)]
        .map(([id, d]) => ({ node: graph.node(id)!, depth: d }))
        .filter((x) => x.node.resourceType !== 'test' && x.node.resourceType !== 'unit_test');
      const byDepth = (a: { node: ProjectNode; depth: number }, b: { node: ProjectNode; depth: number }): number => a.depth - b.depth || a.node.name.localeCompare(b.node.name);
      upstream.sort(byDepth);
      downstream.sort(byDepth);
      if (outputFormat('lineage', option(args, 'output')) === 'json') {
        const ids = new Set([node.uniqueId, ...upstream.map((x) => x.node.uniqueId), ...downstream.map((x) => x.node.uniqueId)]);
        const edges = [...ids].flatMap((id) => graph.node(id)!.dependsOn.filter((p) => ids.has(p)).map((p) => ({ from: p, to: id })));
        const entry = (x: { node: ProjectNode; depth: number }): object => ({ ...lineageJson(x.node), depth: x.depth });
        process.stdout.write(JSON.stringify({ node: lineageJson(node), upstream: upstream.map(entry), downstream: downstream.map(entry), edges }, null, 2) + '\n');
        return 0;
      }
      const row = (x: { node: ProjectNode; depth: number }): string =>
        `  ${String(x.depth).padStart(2)}  ${displayName(x.node).padEnd(36)} ${(x.node.layer ?? '-').padEnd(8)} ${x.node.resourceType}${x.node.resourceType === 'model' ? ` (${x.node.config.materialized})` : ''}`;
      process.stdout.write(`${bold(displayName(node))}  ${dim(`${node.resourceType} · ${node.layer ?? 'no layer'} · ${node.file}`)}\n`);
      process.stdout.write(`upstream (${upstream.length}):\n${upstream.map(row).join('\n')}${upstream.length ? '\n' : ''}`);
      process.stdout.write(`downstream (${downstream.length}):\n${downstream.map(row).join('\n')}${downstream.length ? '\n' : ''}`);
      return 0;
    },
  },
};

function noSuchNode(query: string, analysis: Analysis): number {
  const names = [...analysis.project.nodes.values()].filter((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test').map(displayName);
  const close = suggest(query, names, 1);
  process.stderr.write(`No node named '${query}' in ${analysis.project.config.name}${close.length ? ` (did you mean '${close[0]}'?)` : ''}\n`);
  return 1;
}

/** Prints the target's problems (profiles.yml with line and column); true when one is an error. */
function targetProblems(diagnostics: Diagnostic[], analysis: Analysis, host: NodeFileHost): boolean {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  printDiagnostics(errors, analysis.project, host);
  return errors.length > 0;
}

function targetRequest(args: ParsedArgs, analysis: Analysis): CompilerRequest {
  const env = process.env as Record<string, string | undefined>;
  const profilesDir = option(args, 'profiles-dir');
  const request: CompilerRequest = { env, profilesDirs: profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(analysis.project.root, env), clock: invocation };
  const target = option(args, 'target');
  if (target) request.target = target;
  const vars = option(args, 'vars');
  if (vars) request.vars = parseVars(vars);
  return request;
}

function runCommand(command: RunCommand): Command {
  return {
    help: runHelp(command),
    async run(args, analysis, host) {
      const threads = option(args, 'threads');
      if (threads !== undefined && !(Number(threads) >= 1)) throw new UsageError('--threads must be a positive number');
      const select = [...args.positional, ...(args.options.get('select') ?? []), ...(args.options.get('models') ?? [])];
      const exclude = args.options.get('exclude') ?? [];
      const state = previousState(args, analysis);
      if (state === null) return 2;
      // The runner selects again per command; here only to say which selector matched nothing.
      for (const p of selectNodes(analysis.graph, { select, exclude, ...(state ? { state, readFile: hostReader(host, analysis.project.root) } : {}) }).problems) process.stderr.write(`${yellow('warning')}: ${p}\n`);
      const request: RunSettings = { ...targetRequest(args, analysis), command, select, exclude, threads: 0, fullRefresh: flag(args, 'full-refresh'), failFast: flag(args, 'fail-fast') };
      if (flag(args, 'store-failures')) request.storeFailures = true;
      if (threads !== undefined) request.threadsOverride = Number(threads);
      const resourceTypes = (args.options.get('resource-type') ?? []).flatMap((t) => t.split(',')).filter(Boolean);
      if (resourceTypes.length > 0) request.resourceTypes = resourceTypes;
      const landingRoot = option(args, 'landing');
      if (landingRoot) request.landingRoot = landingRoot;
      if (state) request.state = state;
      const defer = deferSettings(args, analysis, state);
      if (defer === null) return 2;
      if (defer) request.defer = defer;
      const what = select.length ? `the selection ${select.map((s) => `'${s}'`).join(' ')}${exclude.length ? ` (excluding ${exclude.join(' ')})` : ''}` : 'the project';
      return executeRun(request, args, analysis, host, `${what} has no ${RUN_TYPES[command]} to ${command}`);
    },
  };
}

type RunSettings = Omit<ProjectRunRequest, 'signal' | 'onEvent'>;

/** Runs a prepared request: the run log, Ctrl-C (cancel, twice to quit), the summary and the exit code. */
async function executeRun(settings: RunSettings, args: ParsedArgs, analysis: Analysis, host: NodeFileHost, nothingToDo: string): Promise<number> {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    printDiagnostics(errors, analysis.project, host);
    // As dbt: a project that does not load cleanly runs nothing, unless asked to run what it can.
    if (!flag(args, 'allow-load-errors')) {
      process.stderr.write(`${red('error')}: ${countOf(errors.length, 'error')} in the project: nothing was run (fix them, or pass --allow-load-errors to run the nodes they do not touch)\n`);
      return 1;
    }
    process.stderr.write(`${yellow('warning')}: ${countOf(errors.length, 'error')} in the project; the nodes they touch will fail\n`);
  }
  if (targetProblems(resolveTarget(host, analysis, settings).diagnostics, analysis, host)) return 1;
  const json = outputFormat(settings.command, option(args, 'output')) === 'json';
  const { RunPrinter } = require('./run-output') as typeof import('./run-output');
  const printer = new RunPrinter(json ? 'json' : flag(args, 'quiet') ? 'quiet' : 'text');
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nCancelling: interrupting running statements (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await runner().runProject(host, analysis, { ...settings, signal: controller.signal, onEvent: printer.onEvent });
    if (summary.fatal) {
      if (json) printer.summary(summary);
      process.stderr.write(`${red('error')}: ${failures().explainFailure(summary.fatal)}\n`);
      return 1;
    }
    printer.summary(summary);
    if (summary.cancelled) return 130;
    if (summary.results.length === 0 && !json) process.stderr.write(`${yellow('warning')}: nothing to do: ${nothingToDo}\n`);
    return summary.results.some((r) => r.status === 'error' || r.status === 'fail' || r.status === 'cancelled') ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * `--state DIR` (or DBT_STATE) read as dbt reads it; undefined without one, null (after printing
 * why) when it cannot be read.
 */
function previousState(args: ParsedArgs, analysis: Analysis): PreviousState | undefined | null {
  const dir = option(args, 'state') ?? process.env.DBT_STATE;
  if (!dir) return undefined;
  const { state, problems } = stateFiles().readPreviousState(analysis.project.root, dir, resolve(analysis.project.root, analysis.project.config.targetPath));
  for (const p of problems) process.stderr.write(`${state ? yellow('warning') : red('error')}: ${p}\n`);
  return state ?? null;
}

/** `medallion source freshness`: one line per source as it is checked, then what stale or failed. */
async function sourceFreshness(args: ParsedArgs, analysis: Analysis, host: NodeFileHost): Promise<number> {
  const json = outputFormat('source', option(args, 'output')) === 'json';
  if (args.positional[0] !== 'freshness') throw new UsageError('source needs `freshness`, e.g. `medallion source freshness`');
  const quiet = flag(args, 'quiet');
  const request: FreshnessRequest = { ...targetRequest(args, analysis), select: [...args.positional.slice(1), ...(args.options.get('select') ?? []), ...(args.options.get('models') ?? [])], exclude: args.options.get('exclude') ?? [] };
  const landingRoot = option(args, 'landing');
  if (landingRoot) request.landingRoot = landingRoot;
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  request.signal = controller.signal;
  const label = (node: ProjectNode): string => `${node.source!.sourceName}.${node.name}`;
  request.onEvent = (e) => {
    if (json || quiet) return;
    if (e.kind === 'start') {
      process.stdout.write(`${e.index} of ${e.total} START freshness of ${label(e.node)}\n`);
      return;
    }
    const o = e.outcome;
    const word = o.status === 'pass' ? 'PASS' : o.status === 'warn' ? yellow('WARN') : red('ERROR');
    const detail = o.status === 'runtime error' ? o.error : `newest ${o.how === 'landing files' ? 'landing file' : 'row'} ${o.maxLoadedAt.toISOString()}, ${ageText((o.snapshottedAt.getTime() - o.maxLoadedAt.getTime()) / 1000)} ago`;
    process.stdout.write(`${e.index} of ${e.total} ${word} freshness of ${label(e.node)}: ${detail}\n`);
  };
  try {
    const run = await (require('../runner/freshness') as typeof import('../runner/freshness')).runFreshness(host, analysis, request);
    if (run.fatal) {
      process.stderr.write(`${red('error')}: ${failures().explainFailure(run.fatal)}\n`);
      return 1;
    }
    if (json) {
      process.stdout.write(JSON.stringify({ target: run.target, results: run.outcomes.map((o) => ({ unique_id: o.uniqueId, status: o.status, ...(o.status === 'runtime error' ? { error: o.error } : { max_loaded_at: o.maxLoadedAt.toISOString(), snapshotted_at: o.snapshottedAt.toISOString(), measured_by: o.how }) })), skipped: run.skipped, artifact: run.artifact ?? null }, null, 2) + '\n');
    } else if (run.outcomes.length === 0) {
      process.stderr.write(`${yellow('warning')}: nothing to do: no selected source has freshness criteria (warn_after / error_after)\n`);
    } else if (!quiet) {
      const count = (s: string): number => run.outcomes.filter((o) => o.status === s).length;
      process.stdout.write(`${bold('Done.')} PASS=${count('pass')} WARN=${count('warn')} ERROR=${count('error') + count('runtime error')} in ${run.elapsedSeconds.toFixed(2)}s → ${relativeTo(analysis.project.root, run.artifact!)}\n`);
    }
    return run.outcomes.some((o) => o.status === 'error' || o.status === 'runtime error') || controller.signal.aborted ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `medallion docs generate` and `medallion docs serve`. */
async function docsCommand(args: ParsedArgs, analysis: Analysis, host: NodeFileHost): Promise<number> {
  const json = outputFormat('docs', option(args, 'output')) === 'json';
  const action = args.positional[0];
  const targetDir = resolve(analysis.project.root, analysis.project.config.targetPath);
  if (action === 'generate') {
    const result = await (require('../runner/docs') as typeof import('../runner/docs')).generateDocs(host, analysis, { ...targetRequest(args, analysis), emptyCatalog: flag(args, 'empty-catalog') });
    if (result.fatal) {
      process.stderr.write(`${red('error')}: ${failures().explainFailure(result.fatal)}\n`);
      return 1;
    }
    if (json) process.stdout.write(JSON.stringify({ target: result.target, files: result.files, from_warehouse: result.fromWarehouse, from_column_model: result.fromColumnModel, missing: result.missing }, null, 2) + '\n');
    else {
      process.stdout.write(`Catalog: ${result.fromWarehouse} relations from target ${result.target}${result.fromColumnModel ? `, ${result.fromColumnModel} from the column model` : ''}${result.missing.length ? `; ${result.missing.length} not built yet (not in the catalog)` : ''}\n`);
      for (const f of result.files) process.stdout.write(`wrote ${relativeTo(analysis.project.root, f)}\n`);
    }
    return 0;
  }
  if (action === 'serve') {
    if (!existsSync(join(targetDir, 'index.html')) || !existsSync(join(targetDir, 'manifest.json'))) {
      process.stderr.write(`${red('error')}: no docs in ${relativeTo(analysis.project.root, targetDir)}/: run \`medallion docs generate\` first\n`);
      return 1;
    }
    const portText = option(args, 'port') ?? '8080';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number from 0 to 65535');
    const server = await (require('../docs/serve') as typeof import('../docs/serve')).serveDocs(targetDir, port).catch((err: NodeJS.ErrnoException) => {
      throw new Error(err.code === 'EADDRINUSE' ? `port ${port} is in use: choose another with --port` : err.message);
    });
    process.stdout.write(json ? JSON.stringify({ url: server.url }) + '\n' : `Serving ${relativeTo(analysis.project.root, targetDir)}/ at ${server.url} (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await server.close();
    return 0;
  }
  throw new UsageError('docs needs `generate` or `serve`, e.g. `medallion docs generate`');
}

function relativeTo(root: string, path: string): string {
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/**
 * `--defer` [`--favor-state`] with the manifest of `--defer-state` (DBT_DEFER_STATE), else of
 * `--state`: undefined without --defer, null (after saying why) when there is no manifest to defer to.
 */
function deferSettings(args: ParsedArgs, analysis: Analysis, state: PreviousState | undefined): ProjectRunRequest['defer'] | undefined | null {
  const env = process.env;
  const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes)$/i.test(v);
  if (!flag(args, 'defer') && !truthy(env.DBT_DEFER)) return undefined;
  const favorState = flag(args, 'favor-state') || truthy(env.DBT_FAVOR_STATE);
  const dir = option(args, 'defer-state') ?? env.DBT_DEFER_STATE;
  let deferTo = state;
  if (dir) {
    const read = stateFiles().readPreviousState(analysis.project.root, dir, resolve(analysis.project.root, analysis.project.config.targetPath));
    for (const p of read.problems) process.stderr.write(`${red('error')}: ${p}\n`);
    deferTo = read.state;
  }
  if (!deferTo?.manifest) {
    process.stderr.write(`${red('error')}: --defer reads another run's manifest.json: ${deferTo ? `${deferTo.dir} has none` : 'pass --state DIR (or --defer-state DIR)'}\n`);
    return null;
  }
  return { manifest: deferTo.manifest, favorState };
}

/** `medallion retry`: the previous command again, on the nodes that did not succeed (dbt retry). */
async function retryRun(args: ParsedArgs, analysis: Analysis, host: NodeFileHost): Promise<number> {
  const dir = option(args, 'state') ?? process.env.DBT_STATE ?? analysis.project.config.targetPath;
  const { state, problems } = stateFiles().readPreviousState(analysis.project.root, dir, resolve(analysis.project.root, analysis.project.config.targetPath));
  for (const p of problems) process.stderr.write(`${red('error')}: ${p}\n`);
  if (!state?.results) {
    if (state) process.stderr.write(`${red('error')}: Could not find previous run in '${dir}' target directory (no run_results.json)\n`);
    return 1;
  }
  const previous = state.results.args;
  const plan = retryPlan(state.results);
  if (!plan.command || !(plan.command in RUN_TYPES)) {
    process.stderr.write(`${red('error')}: the previous run in ${dir} was \`${plan.command ?? 'unknown'}\`; retry reruns build, run, test, seed and snapshot\n`);
    return 1;
  }
  const command = plan.command as RunCommand;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const request: RunSettings = { ...targetRequest(args, analysis), command, select: list(previous.select), exclude: list(previous.exclude), threads: 0, fullRefresh: previous.full_refresh === true, failFast: previous.fail_fast === true, onlyIds: plan.ids };
  if (previous.store_failures === true) request.storeFailures = true;
  // As dbt: the previous target, vars and threads, unless given again now.
  if (!option(args, 'target') && typeof previous.target === 'string') request.target = previous.target;
  if (!option(args, 'vars') && previous.vars && typeof previous.vars === 'object') request.vars = previous.vars as Record<string, unknown>;
  const threads = option(args, 'threads') ?? (typeof previous.threads === 'number' ? String(previous.threads) : undefined);
  if (threads !== undefined) {
    if (!(Number(threads) >= 1)) throw new UsageError('--threads must be a positive number');
    request.threadsOverride = Number(threads);
  }
  if (list(previous.resource_types).length > 0) request.resourceTypes = list(previous.resource_types);
  if (plan.ids.size > 0 && !flag(args, 'quiet') && outputFormat('retry', option(args, 'output')) === 'text') process.stderr.write(`Retrying \`${command}\`: ${plan.ids.size} node${plan.ids.size === 1 ? '' : 's'} that did not succeed in ${dir}/run_results.json\n`);
  return executeRun(request, args, analysis, host, `every node of the previous \`${command}\` succeeded`);
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return String(v);
  return v;
}

/** A plain text grid: column names, a rule, then rows. */
function formatTable(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? 'null' : String(jsonValue(v)))));
  const widths = columns.map((c, i) => Math.min(40, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const line = (values: string[]): string => values.map((v, i) => (v.length > widths[i]! ? v.slice(0, widths[i]! - 1) + '…' : v.padEnd(widths[i]!))).join(' │ ');
  return [bold(line(columns)), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.map(line)].join('\n');
}

/**
 * How the project is parsed: for the target the command uses (dbt parses for one target), with
 * the environment for env_var, --vars, and verify mode (`--verify` or MEDALLION_VERIFY_PARSE=1).
 */
function parseOptions(args: ParsedArgs, root: string): AnalyzeOptions {
  const options: AnalyzeOptions = { env: process.env, clock: invocation };
  const profilesDir = option(args, 'profiles-dir');
  options.profilesDirs = profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(root, process.env);
  const target = args.options.has('target') ? option(args, 'target') : undefined;
  if (target) options.targetName = target;
  const vars = args.options.has('vars') ? option(args, 'vars') : undefined;
  if (vars) options.vars = parseVars(vars);
  if (flag(args, 'verify') || process.env.MEDALLION_VERIFY_PARSE === '1') options.verifyParse = true;
  const targetPath = option(args, 'target-path');
  if (targetPath) options.targetPath = targetPath;
  return options;
}

/** This invocation's clock (main sets it): parsing and every compile read one run_started_at, as in dbt. */
let invocation: Clock = systemClock();

/** `--vars '{key: value}'` (YAML or JSON, as dbt accepts). */
function parseVars(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYamlValue(text);
  } catch (err) {
    throw new UsageError(`--vars is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--vars must be a mapping, e.g. --vars "{start_date: 2024-01-01}"');
  return value as Record<string, unknown>;
}

/**
 * `medallion lsp`: the language server of dist/lsp-server.js, the bundle VS Code starts. The CLI's
 * own bundle holds none of it (its LSP libraries and server were ~0.65 MB of the 2.1 MB that every
 * command read, hashed and compiled from the code cache: ~9 ms of CPU of a parse); the server's
 * bundle is compiled through a code cache of its own, saved when the server exits. Run from tsc's
 * out/ (tests), where no bundle is next to this file, the server's modules themselves.
 */
function startLanguageServer(): void {
  const bundle = join(__dirname, 'lsp-server.js');
  if (!existsSync(bundle)) {
    // scripts/build.mjs keeps this require out of the CLI's bundle.
    (require('../lsp/server') as typeof import('../lsp/server')).startServer();
    return;
  }
  const { requireWithCodeCache } = require('../node/code-cache') as typeof import('../node/code-cache');
  // Loading the bundle starts the server (server/src/lsp/main.ts).
  const server = requireWithCodeCache(bundle, process.env, 'lsp');
  process.on('exit', () => server.save(true));
}

/** `medallion parse` writes target/manifest.json as `dbt parse` does (relation names need the profile's target). */
function writeParseManifest(args: ParsedArgs, analysis: Analysis, host: NodeFileHost): void {
  // Timed only for MEDALLION_DEBUG: the first read of the global `performance` loads node's perf_hooks (~1-2 ms of a cold run).
  const debug = Boolean(process.env.MEDALLION_DEBUG);
  const started = debug ? performance.now() : 0;
  const cpu = debug ? process.cpuUsage() : undefined;
  const env = process.env as Record<string, string | undefined>;
  const profilesDir = option(args, 'profiles-dir');
  const request: CompilerRequest = { env, profilesDirs: profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(analysis.project.root, env), clock: invocation };
  const target = option(args, 'target');
  if (target) request.target = target;
  // Relation names as the parse saw them: a schema or alias macro may read --vars.
  const vars = args.options.has('vars') ? option(args, 'vars') : undefined;
  if (vars) request.vars = parseVars(vars);
  const { compiler, resolved } = createCompiler(host, analysis, request);
  for (const d of resolved.diagnostics) if (d.severity === 'error') process.stderr.write(`warning: ${d.message}; manifest.json names relations with target '${resolved.target.name}' (${resolved.target.type})\n`);
  try {
    writeManifest(resolve(analysis.project.root, analysis.project.config.targetPath), { analysis, host, compiler, target: resolved.target, invocationId: randomUUID(), runStartedAt: invocation.started() });
    // The writer's own time, for bench/cold-start-bench.ts and profiling (never in a user's output).
    if (debug) {
      const used = process.cpuUsage(cpu);
      process.stderr.write(`manifest.json written in ${(performance.now() - started).toFixed(1)} ms (cpu ${((used.user + used.system) / 1000).toFixed(1)} ms)\n`);
    }
  } catch (err) {
    process.stderr.write(`warning: manifest.json not written: ${(err as Error).message}\n`);
  }
}

function displayName(node: ProjectNode): string {
  return node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name;
}

function selectorName(node: ProjectNode): string {
  if (node.resourceType === 'source') return `source:${node.fqn.slice(0, 1).concat(node.fqn.slice(-2)).join('.')}`;
  if (node.resourceType === 'exposure') return `exposure:${node.packageName}.${node.name}`;
  return node.fqn.join('.');
}

function lineageJson(node: ProjectNode): object {
  return { uniqueId: node.uniqueId, name: displayName(node), resourceType: node.resourceType, layer: node.layer ?? null, materialized: node.config.materialized, file: node.file };
}

function nodeJson(node: ProjectNode): object {
  return {
    name: node.name,
    resource_type: node.resourceType,
    package_name: node.packageName,
    original_file_path: node.file,
    unique_id: node.uniqueId,
    layer: node.layer ?? null,
    tags: node.config.tags,
    config: node.config,
    depends_on: { nodes: node.dependsOn },
  };
}

/** The version in our package.json (the extension's, or the CLI package's when installed from it), found upwards from this file (bundled in dist/, or compiled in out/). */
function ownVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'medallion' || pkg.name === 'medallion-cli') return pkg.version ?? 'unknown';
    } catch {
      // not here: look further up
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/** Which commands take an option (for "--limit is an option of show"). */
function commandsWith(option: string): string[] {
  return Object.entries(commands)
    .filter(([, c]) => c.help.options.includes(option))
    .map(([name]) => name);
}

/** Closed stdout (`medallion ls | head`): the reader has what it wanted; leave quietly. */
function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Whether the command loads a project (the launcher's code cache then holds the loader's compiled code). */
export function loadsProject(argv: string[]): boolean {
  const name = argv[0];
  return name !== undefined && Object.hasOwn(commands, name) && commands[name]!.project !== 'none';
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedStdout();
  const [name, ...rest] = argv;
  const helps = Object.fromEntries(Object.entries(commands).map(([n, c]) => [n, c.help]));
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0];
    if (name === 'help' && about && commands[about]) {
      process.stdout.write(commandHelp(about, commands[about].help));
      return 0;
    }
    (name ? process.stdout : process.stderr).write(globalHelp(helps));
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`medallion ${ownVersion()}\n`);
    return 0;
  }
  if (name === 'lsp') {
    if (!rest.includes('--stdio') && !rest.includes('--node-ipc') && !rest.some((a) => a.startsWith('--socket'))) {
      process.stderr.write('medallion lsp: choose a transport: --stdio (or --node-ipc)\n');
      return 2;
    }
    startLanguageServer();
    // The connection keeps the process alive until the client says exit.
    return new Promise<number>(() => undefined);
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`medallion: ${unknownCommand(name, [...Object.keys(commands), 'lsp', 'help', 'version'])}\n`);
    return 2;
  }
  try {
    const accepted = [...new Set([...command.help.options, ...COMMON_OPTIONS])];
    const shorts = Object.fromEntries(accepted.filter((o) => OPTIONS[o]?.short).map((o) => [OPTIONS[o]!.short!, o]));
    const args = parseArgs(rest, {
      flags: accepted.filter(isFlag),
      values: accepted.filter((o) => !isFlag(o)),
      shorts,
      unknown: (key) => unknownOption(key, name, accepted, commandsWith),
    });
    if (flag(args, 'help')) {
      process.stdout.write(commandHelp(name, command.help));
      return 0;
    }
    // A bad --output is a usage error before anything is read or run.
    if (args.options.has('output')) outputFormat(name, option(args, 'output'));
    if (command.project === 'none') return await command.runAlone!(args);
    const root = findProjectRoot(option(args, 'project'));
    if (!root) {
      process.stderr.write(`medallion: no dbt project found (no dbt_project.yml ${option(args, 'project') ? `in ${option(args, 'project')}` : 'here, above, or in ./models'}); \`medallion init\` creates one\n`);
      return 2;
    }
    try {
      invocation = invocationClock(process.env);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // `parse` loads and writes once: the writer's folders (docs) are listed once, by the load.
    const host = new NodeFileHost({ listsOnce: name === 'parse' });
    const options = parseOptions(args, root);
    // The manifest writer takes the load's yml trees and seed texts instead of reading and parsing them again.
    if (WRITES_MANIFEST.has(name)) options.keepManifestInputs = true;
    const analysis = analyzeProject(host, root, options);
    return await command.run(args, analysis, host);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`medallion ${name}: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (process.env.MEDALLION_DEBUG) process.stderr.write(`${(err as Error).stack ?? message}\n`);
    if (isBug(err)) {
      process.stderr.write(`medallion ${name}: unexpected error: ${message}\n(a bug in medallion: please report it with the output of MEDALLION_DEBUG=1 medallion ${argv.join(' ')})\n`);
    } else {
      process.stderr.write(`medallion ${name}: ${failures().explainFailure(message)}\n`);
    }
    return 1;
  }
}

/** `1 model`, `2 models`, `3 analyses`. */
function countOf(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  return `${n} ${noun.endsWith('is') ? noun.slice(0, -2) + 'es' : noun + 's'}`;
}
