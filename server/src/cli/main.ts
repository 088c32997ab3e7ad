/**
 * `medallion` command line. Exit codes: 0 done, 1 the command ran but found errors
 * (or could not complete), 2 bad usage or no project.
 */
import { analyzeProject, type Analysis, type AnalyzeOptions } from '../core/analysis';
import { findNode } from '../core/lookup';
import type { ProjectNode } from '../core/model';
import { selectNodes } from '../core/selector';
import { createCompiler, defaultProfilesDirs, type CompilerRequest } from '../core/session';
import { NodeFileHost } from '../node/fs-host';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYamlValue } from 'yaml';
import { findProjectRoot } from '../node/project-root';
import { flag, option, parseArgs, UsageError, type ParsedArgs } from './args';
import { bold, dim, printDiagnostics } from './output';
import { RunPrinter } from './run-output';
import { startServer } from '../lsp/server';
import { openEngine, runProject, type ProjectRunRequest } from '../runner/project-run';
import type { RunCommand } from '../runner/types';
import { landingTables, uploadProjectLanding } from '../landing/project-upload';
import { landingOptionsFromEnv, tableLocation } from '../runner/landing-zone';
import { parseLocation } from '../landing/location';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const HELP = `medallion — dbt-style medallion projects on DuckDB and Databricks

Usage: medallion <command> [options]

Commands:
  parse [--verify] [--target T] [--vars YAML]
                                load the project as dbt parse does, report every problem (exit 1
                                on errors); --verify (or MEDALLION_VERIFY_PARSE=1) renders every
                                node and fails where the static fast path would have disagreed
  ls [--select S] [--exclude S] [--resource-type T] [--output name|path|json]
                                list nodes selected with dbt's selector syntax
  lineage <node> [--depth N] [--output text|json]
                                upstream and downstream of a node, with layers
  compile [<selector>] [--select S] [--target T] [--vars YAML] [--output sql|json]
                                compiled SQL of the selected models to stdout
  build | run | test | seed | snapshot [--select S] [--exclude S] [--threads N]
        [--full-refresh] [--fail-fast] [--target T] [--vars YAML] [--output text|json]
        [--resource-type T]             only these resource types (e.g. build --resource-type model,seed,snapshot)
                                run nodes in dependency order (build: seeds, models, snapshots,
                                tests and unit tests; a failure skips only its descendants)
  show <model> [--limit N] [--target T] [--output text|json]
                                run a model's compiled SQL and print its first rows
  landing upload [--source S.T] [--landing s3://bucket/prefix] <dir>
                                upload raw files to the landing zone (each table's folder
                                <dir>/<table>/, or <dir> itself with --source)
  landing ls [--source S.T] [--landing s3://bucket/prefix]
                                list what has landed per source table

Landing on S3: MEDALLION_LANDING_S3=s3://bucket/prefix (or --landing) puts every landing table
at <prefix>/<table>/; the endpoint of an S3-compatible store comes from AWS_ENDPOINT_URL_S3 (or
AWS_ENDPOINT_URL), credentials from the standard AWS chain (environment, AWS_PROFILE).

  lsp --stdio | --node-ipc       the language server, for any LSP editor

Common options:
  --project DIR                 the dbt project (default: nearest dbt_project.yml upwards, else ./models)
  --help                        this text
  --version                     the version
`;

interface Command {
  flags: string[];
  values: string[];
  run(args: ParsedArgs, analysis: Analysis, host: NodeFileHost): number | Promise<number>;
}

const COMMON_VALUES = ['project', 'profiles-dir'];

const commands: Record<string, Command> = {
  parse: {
    flags: ['verify'],
    values: ['target', 'vars'],
    run(_args, analysis, host) {
      const { project, diagnostics } = analysis;
      printDiagnostics(diagnostics, project, host);
      const counts = new Map<string, number>();
      for (const n of project.nodes.values()) counts.set(n.resourceType, (counts.get(n.resourceType) ?? 0) + 1);
      const macroCount = [...project.macros.values()].reduce((a, l) => a + l.length, 0);
      const summary = ['model', 'seed', 'snapshot', 'source', 'test', 'unit_test', 'analysis']
        .filter((t) => counts.get(t))
        .map((t) => `${counts.get(t)} ${t === 'unit_test' ? 'unit tests' : t + 's'}`);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
      process.stdout.write(`${bold(project.config.name)}: ${[...summary, `${macroCount} macros`].join(', ')}; ${errors} errors, ${warnings} warnings\n`);
      return errors > 0 ? 1 : 0;
    },
  },
  ls: {
    flags: [],
    values: ['select', 'models', 'exclude', 'resource-type', 'output'],
    run(args, analysis) {
      const { graph, project } = analysis;
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) process.stderr.write(`${errors} errors in ${project.config.name}; \`medallion parse\` lists them\n`);
      const select = [...(args.options.get('select') ?? []), ...(args.options.get('models') ?? [])];
      const exclude = args.options.get('exclude') ?? [];
      const resourceTypes = (args.options.get('resource-type') ?? []).flatMap((t) => t.split(',')).filter(Boolean);
      const { ids, problems } = selectNodes(graph, { select, exclude, resourceTypes });
      for (const p of problems) process.stderr.write(`warning: ${p}\n`);
      const output = option(args, 'output') ?? 'selector';
      const nodes = graph.topologicalOrder(ids).map((id) => graph.node(id)!);
      for (const node of nodes) {
        if (output === 'json') process.stdout.write(JSON.stringify(nodeJson(node)) + '\n');
        else if (output === 'path') process.stdout.write(node.file + '\n');
        else if (output === 'name') process.stdout.write(node.name + '\n');
        else if (output === 'selector') process.stdout.write(selectorName(node) + '\n');
        else throw new UsageError(`--output must be one of selector, name, path, json`);
      }
      return problems.some((p) => /^(Unknown|Cannot)/.test(p)) ? 2 : 0;
    },
  },
  compile: {
    flags: [],
    values: ['select', 'models', 'exclude', 'target', 'vars', 'output'],
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
      };
      // Reproducible output (tests, diffs between runs): pin run_started_at.
      const pinned = env.MEDALLION_RUN_STARTED_AT;
      if (pinned) {
        const at = new Date(pinned);
        if (Number.isNaN(at.getTime())) throw new UsageError(`MEDALLION_RUN_STARTED_AT is not a date: ${pinned}`);
        request.runStartedAt = at;
      }
      const target = option(args, 'target');
      if (target) request.target = target;
      const vars = option(args, 'vars');
      if (vars) request.vars = parseVars(vars);
      const { compiler, resolved } = createCompiler(host, analysis, request);
      printDiagnostics([...resolved.diagnostics.filter((d) => d.severity === 'error'), ...compiler.macroProblems], project, host);
      if (resolved.diagnostics.some((d) => d.severity === 'error')) return 1;
      const json = option(args, 'output') === 'json';
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
  build: runCommand('build'),
  run: runCommand('run'),
  test: runCommand('test'),
  seed: runCommand('seed'),
  snapshot: runCommand('snapshot'),
  show: {
    flags: [],
    values: ['target', 'vars', 'limit', 'output', 'select'],
    async run(args, analysis, host) {
      const query = args.positional[0] ?? option(args, 'select');
      if (!query) throw new UsageError('show needs a model, e.g. `medallion show gold_daily_sales`');
      const node = findNode(analysis.graph, query);
      if (!node) {
        process.stderr.write(`No node named '${query}' in ${analysis.project.config.name}\n`);
        return 1;
      }
      const limit = Number(option(args, 'limit') ?? '10');
      if (!(limit >= 0)) throw new UsageError('--limit must be a number');
      const request = targetRequest(args, analysis);
      const { compiler, resolved } = createCompiler(host, analysis, request);
      const compiled = node.resourceType === 'seed' || node.resourceType === 'source' ? { sql: `select * from ${compiler.relation(node).render()}`, diagnostics: [] } : compiler.compile(node.uniqueId);
      printDiagnostics(compiled.diagnostics, analysis.project, host);
      if (compiled.sql === undefined) return 1;
      const engine = await openEngine(resolved.target, analysis.project.root, process.env as Record<string, string | undefined>);
      try {
        const session = await engine.acquire();
        const started = performance.now();
        const result = await session.execute(`select * from (\n${compiled.sql}\n) as medallion_show limit ${Math.floor(limit)}`);
        const seconds = (performance.now() - started) / 1000;
        if (option(args, 'output') === 'json') {
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
    flags: [],
    values: ['source', 'landing', 'output'],
    async run(args, analysis) {
      const [action, dir] = args.positional;
      if (action !== 'upload' && action !== 'ls') throw new UsageError('landing needs `upload <dir>` or `ls`');
      const env = process.env as Record<string, string | undefined>;
      const options = landingOptionsFromEnv(analysis.project.root, env, option(args, 'landing'));
      const wanted = option(args, 'source');
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
        const text = tableLocation(spec.node, spec.location, options);
        try {
          const location = parseLocation(text, analysis.project.root);
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
    flags: [],
    values: ['depth', 'output'],
    run(args, analysis) {
      const { graph } = analysis;
      const query = args.positional[0];
      if (!query) throw new UsageError('lineage needs a node name, e.g. `medallion lineage silver_orders`');
      const node = findNode(graph, query);
      if (!node) {
        process.stderr.write(`No node named '${query}' in ${analysis.project.config.name}\n`);
        return 1;
      }
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
      if (option(args, 'output') === 'json') {
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

function targetRequest(args: ParsedArgs, analysis: Analysis): CompilerRequest {
  const env = process.env as Record<string, string | undefined>;
  const profilesDir = option(args, 'profiles-dir');
  const request: CompilerRequest = { env, profilesDirs: profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(analysis.project.root, env) };
  const target = option(args, 'target');
  if (target) request.target = target;
  const vars = option(args, 'vars');
  if (vars) request.vars = parseVars(vars);
  return request;
}

function runCommand(command: RunCommand): Command {
  return {
    flags: ['full-refresh', 'fail-fast'],
    values: ['select', 'models', 'exclude', 'threads', 'target', 'vars', 'output', 'landing', 'resource-type'],
    async run(args, analysis, host) {
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        printDiagnostics(errors, analysis.project, host);
        process.stderr.write(`${errors.length} problems in the project; nodes they touch will fail\n`);
      }
      const threads = option(args, 'threads');
      if (threads !== undefined && !(Number(threads) >= 1)) throw new UsageError('--threads must be a positive number');
      const json = option(args, 'output') === 'json';
      const printer = new RunPrinter(json);
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
        const request: ProjectRunRequest = {
          ...targetRequest(args, analysis),
          command,
          select: [...args.positional, ...(args.options.get('select') ?? []), ...(args.options.get('models') ?? [])],
          exclude: args.options.get('exclude') ?? [],
          threads: 0,
          fullRefresh: flag(args, 'full-refresh'),
          failFast: flag(args, 'fail-fast'),
          signal: controller.signal,
          onEvent: printer.onEvent,
        };
        if (threads !== undefined) request.threadsOverride = Number(threads);
        const resourceTypes = (args.options.get('resource-type') ?? []).flatMap((t) => t.split(',')).filter(Boolean);
        if (resourceTypes.length > 0) request.resourceTypes = resourceTypes;
        const landingRoot = option(args, 'landing');
        if (landingRoot) request.landingRoot = landingRoot;
        const summary = await runProject(host, analysis, request);
        printer.summary(summary);
        if (summary.cancelled) return 130;
        if (summary.fatal) return 1;
        return summary.results.some((r) => r.status === 'error' || r.status === 'fail' || r.status === 'cancelled') ? 1 : 0;
      } finally {
        process.off('SIGINT', onSigint);
      }
    },
  };
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
  const options: AnalyzeOptions = { env: process.env };
  const profilesDir = option(args, 'profiles-dir');
  options.profilesDirs = profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(root, process.env);
  const target = args.options.has('target') ? option(args, 'target') : undefined;
  if (target) options.targetName = target;
  const vars = args.options.has('vars') ? option(args, 'vars') : undefined;
  if (vars) options.vars = parseVars(vars);
  if (flag(args, 'verify') || process.env.MEDALLION_VERIFY_PARSE === '1') options.verifyParse = true;
  return options;
}

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

function displayName(node: ProjectNode): string {
  return node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name;
}

function selectorName(node: ProjectNode): string {
  if (node.resourceType === 'source') return `source:${node.fqn.slice(0, 1).concat(node.fqn.slice(-2)).join('.')}`;
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

/** The version in our package.json, found upwards from this file (bundled in dist/, or compiled in out/). */
function ownVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'medallion') return pkg.version ?? 'unknown';
    } catch {
      // not here: look further up
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
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
    startServer();
    // The connection keeps the process alive until the client says exit.
    return new Promise<number>(() => undefined);
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`medallion: unknown command '${name}'\n\n${HELP}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, { flags: ['help', ...command.flags], values: [...COMMON_VALUES, ...command.values] });
    if (flag(args, 'help')) {
      process.stdout.write(HELP);
      return 0;
    }
    const root = findProjectRoot(option(args, 'project'));
    if (!root) {
      process.stderr.write(`medallion: no dbt project found (no dbt_project.yml ${option(args, 'project') ? `in ${option(args, 'project')}` : 'here, above, or in ./models'})\n`);
      return 2;
    }
    const host = new NodeFileHost();
    const analysis = analyzeProject(host, root, parseOptions(args, root));
    return await command.run(args, analysis, host);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`medallion ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`medallion ${name}: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
