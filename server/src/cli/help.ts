/**
 * What each command accepts and how it is explained: one table drives argument parsing, the
 * global help, `medallion <command> --help`, the allowed `--output` values and "did you mean".
 */
import { suggest } from '../core/text';
import { UsageError } from './args';
import { bold } from './output';

export interface OptionSpec {
  /** Placeholder of the value (`S`, `N`...); absent for a flag. */
  value?: string;
  /** One-letter alias (`-s`). */
  short?: string;
  help: string;
  /** The only values accepted, the default first. */
  choices?: string[];
}

export interface CommandHelp {
  /** `medallion build [options]` without the `medallion `. */
  usage: string;
  summary: string;
  /** More lines under the summary in the command's own help. */
  details?: string[];
  options: string[];
  examples: string[];
}

/** Every option of every command, with one meaning each. */
export const OPTIONS: Record<string, OptionSpec> = {
  project: { value: 'DIR', help: 'the dbt project (default: the nearest dbt_project.yml upwards, else ./models)' },
  'profiles-dir': { value: 'DIR', help: 'the folder of profiles.yml (default: DBT_PROFILES_DIR, the project folder, ~/.dbt)' },
  'target-path': { value: 'DIR', help: 'where artifacts (manifest.json, run_results.json, ...) go, relative to the project (default: DBT_TARGET_PATH, then target-path in dbt_project.yml, then target)' },
  target: { value: 'T', short: 't', help: 'the target in profiles.yml (default: the profile\'s own default)' },
  vars: { value: 'YAML', help: 'project variables, e.g. --vars "{start_date: 2024-01-01}"' },
  select: { value: 'S', short: 's', help: 'dbt selectors: name, +name, name+, tag:x, path:models/gold, layer:silver, ... (several: a union)' },
  models: { value: 'S', short: 'm', help: 'the same as --select (dbt\'s older name)' },
  exclude: { value: 'S', help: 'selectors of nodes to leave out' },
  'resource-type': { value: 'T', help: 'only these resource types: model, seed, snapshot, test, unit_test, source (comma-separated)' },
  threads: { value: 'N', help: 'nodes run at once (default: the target\'s threads)' },
  'full-refresh': { help: 'rebuild incremental models and seeds from scratch' },
  'fail-fast': { help: 'stop at the first failure' },
  'store-failures': { help: 'store the failing rows of every data test in a table (<schema>_dbt_test__audit), where its store_failures config is not set' },
  verify: { help: 'render every node and fail where the static fast path would disagree with the render (also MEDALLION_VERIFY_PARSE=1)' },
  'allow-load-errors': { help: 'run even when the project has errors (unknown refs, cycles, broken Jinja or yml): the nodes they touch fail, the rest runs' },
  landing: { value: 'URL', help: 'landing zone s3://bucket/prefix for every landing table (default: MEDALLION_LANDING_S3)' },
  source: { value: 'S.T', help: 'one landing table, e.g. landing.orders' },
  limit: { value: 'N', help: 'rows to show (default 10)' },
  depth: { value: 'N', help: 'how many levels up and down (default: all)' },
  column: { value: 'COL', help: 'trace this column of the node: its sources and what is computed from it (from the target engine; marked when not exact)' },
  quiet: { short: 'q', help: 'print only results, warnings and errors (no progress, no per-node lines, no table)' },
  help: { short: 'h', help: 'this help' },
  name: { value: 'NAME', help: 'the project name (letters, digits, underscores; default: from the folder name)' },
  database: { value: 'FILE', help: 'the DuckDB database file of the dev target (default: target/<name>.duckdb)' },
  yes: { short: 'y', help: 'ask nothing: take the defaults for whatever no flag gives' },
  upgrade: { help: 'ignore package-lock.yml: resolve the newest allowed versions and write a new lock' },
  lock: { help: 'resolve and write package-lock.yml without installing anything' },
  connection: { help: 'test only the connection (skip the project checks)' },
  output: { value: 'FORMAT', short: 'o', help: 'the output format' },
  port: { value: 'N', help: 'the port to listen on (127.0.0.1 only; default 8080, 0 for any free port)' },
  'empty-catalog': { help: 'write catalog.json without asking the warehouse (no column types)' },
  defer: { help: 'read unselected parents from the relations of the --state manifest when they are not built here (dbt --defer)' },
  'favor-state': { help: 'with --defer: read every unselected parent from the state, built here or not' },
  'defer-state': { value: 'DIR', help: 'the state to defer to, when it differs from --state (default: DBT_DEFER_STATE, then --state)' },
  state: { value: 'DIR', help: 'another run\'s artifacts (manifest.json, run_results.json, sources.json) for state:, result: and source_status: selectors (relative to the project; default: DBT_STATE)' },
};

/** `--output` values per command (the default first); the help and the error message both print these. */
export const OUTPUT_CHOICES: Record<string, string[]> = {
  ls: ['selector', 'name', 'path', 'json'],
  lineage: ['text', 'json'],
  compile: ['text', 'json'],
  show: ['text', 'json'],
  build: ['text', 'json'],
  run: ['text', 'json'],
  test: ['text', 'json'],
  seed: ['text', 'json'],
  snapshot: ['text', 'json'],
  retry: ['text', 'json'],
  source: ['text', 'json'],
  docs: ['text', 'json'],
  debug: ['text', 'json'],
};

export const COMMON_OPTIONS = ['project', 'profiles-dir', 'target-path', 'quiet', 'help'];

export function isFlag(name: string): boolean {
  return OPTIONS[name] !== undefined && OPTIONS[name].value === undefined;
}

function optionLabel(name: string, command: string): string {
  const spec = OPTIONS[name]!;
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const choices = name === 'output' ? OUTPUT_CHOICES[command] : spec.choices;
  const value = choices ? ` ${choices.join('|')}` : spec.value ? ` ${spec.value}` : '';
  return `  ${short}--${name}${value}`;
}

/** `medallion <command> --help`. */
export function commandHelp(command: string, help: CommandHelp): string {
  const names = [...help.options, ...COMMON_OPTIONS.filter((o) => !help.options.includes(o))];
  const labels = names.map((n) => optionLabel(n, command));
  const width = Math.min(40, Math.max(...labels.map((l) => l.length))) + 2;
  const lines = names.map((n, i) => {
    const label = labels[i]!;
    const text = n === 'output' ? `${OPTIONS.output!.help} (default ${OUTPUT_CHOICES[command]![0]})` : OPTIONS[n]!.help;
    return label.length >= width ? `${label}\n${' '.repeat(width)}${text}` : `${label.padEnd(width)}${text}`;
  });
  return [
    `${bold('Usage:')} medallion ${help.usage}`,
    '',
    help.summary,
    ...(help.details ?? []),
    '',
    bold('Options:'),
    ...lines,
    '',
    bold('Examples:'),
    ...help.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** The global help: every command with its summary. */
export function globalHelp(commands: Record<string, CommandHelp>): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 4;
  return [
    'medallion — dbt projects (landing → bronze → silver → gold) on an embedded DuckDB or Databricks',
    '',
    `${bold('Usage:')} medallion <command> [options]     (medallion <command> --help for its options and examples)`,
    '',
    bold('Commands:'),
    ...Object.entries(commands).map(([name, h]) => `  ${name.padEnd(width)}${h.summary}`),
    `  ${'lsp'.padEnd(width)}the language server for any LSP editor (--stdio or --node-ipc)`,
    '',
    bold('Options of every command:'),
    ...[...COMMON_OPTIONS.map((n) => [optionLabel(n, ''), OPTIONS[n]!.help] as const), ['      --version', 'the version'] as const].map(([label, text], _i, all) => `${label.padEnd(Math.max(...all.map(([l]) => l.length)) + 2)}${text}`),
    '',
    'Exit codes: 0 done, 1 errors found or a node failed, 2 bad usage or no project, 130 interrupted.',
    'Colours only on a terminal and never with NO_COLOR set.',
    '',
  ].join('\n');
}

/** The closest candidate: by edit distance, else one with the same letters (a transposition such as `biuld`). */
export function closest(name: string, candidates: string[]): string | undefined {
  const letters = (s: string): string => [...s.toLowerCase()].sort().join('');
  return suggest(name, candidates, 1)[0] ?? candidates.find((c) => letters(c) === letters(name));
}

/** "did you mean" for a command name. */
export function unknownCommand(name: string, commands: string[]): string {
  const close = closest(name, commands);
  return `unknown command '${name}'${close ? ` (did you mean '${close}'?)` : ''}; \`medallion --help\` lists the commands`;
}

/** Throws the usage error for an option this command does not take, with the closest one it does. */
export function unknownOption(key: string, command: string, accepted: string[], commandsWith: (option: string) => string[]): never {
  const close = closest(key, accepted);
  if (close) throw new UsageError(`unknown option --${key} (did you mean --${close}?)`);
  const elsewhere = OPTIONS[key] ? commandsWith(key) : [];
  if (elsewhere.length) throw new UsageError(`--${key} is an option of ${elsewhere.join(', ')}, not of ${command}`);
  throw new UsageError(`unknown option --${key}; \`medallion ${command} --help\` lists the options`);
}

/** The value of `--output`, checked against the command's choices. */
export function outputFormat(command: string, value: string | undefined): string {
  const choices = OUTPUT_CHOICES[command] ?? ['text'];
  if (value === undefined) return choices[0]!;
  if (!choices.includes(value)) {
    const close = closest(value, choices);
    throw new UsageError(`--output must be one of ${choices.join(', ')}${close ? ` (did you mean ${close}?)` : ''}`);
  }
  return value;
}
