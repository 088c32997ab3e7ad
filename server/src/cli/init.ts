/**
 * `medallion init [dir]`: writes a new medallion project (see scaffold.ts). Flags give every
 * answer; on a terminal it asks for what they leave out; without one (no stdin, CI) it takes the
 * defaults. It never overwrites: an existing file stops it before anything is written.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { flag, option, UsageError, type ParsedArgs } from './args';
import { bold, dim } from './output';
import { defaultDatabase, isValidProjectName, projectNameFrom, scaffoldFiles } from './scaffold';

export interface Prompter {
  ask(question: string, fallback: string): Promise<string>;
  close(): void;
}

/** Questions on a terminal; an empty answer (or the end of input) takes the default. */
function terminalPrompter(): Prompter {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  // The line iterator buffers: answers typed (or pasted) ahead of their question are kept, not lost.
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question, fallback) {
      process.stdout.write(`${question} ${dim(`(${fallback})`)} `);
      const next = await lines.next();
      if (next.done) process.stdout.write('\n');
      return (next.done ? '' : String(next.value).trim()) || fallback;
    },
    close: () => rl.close(),
  };
}

/** `prompter`: the questions' source (tests); by default the terminal when stdin is one. */
export async function initCommand(args: ParsedArgs, io: { cwd?: string; prompter?: Prompter } = {}): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  if (args.positional.length > 1) throw new UsageError('init takes one folder, e.g. `medallion init my_project`');
  const dir = resolve(cwd, args.positional[0] ?? '.');
  let name = option(args, 'name');
  let database = option(args, 'database');
  const interactive = (io.prompter !== undefined || process.stdin.isTTY === true) && !flag(args, 'yes') && (name === undefined || database === undefined);
  if (interactive) {
    const prompter = io.prompter ?? terminalPrompter();
    try {
      while (name === undefined) {
        const answer = await prompter.ask('Project name:', projectNameFrom(basename(dir)));
        if (isValidProjectName(answer)) name = answer;
        else process.stdout.write('  letters, digits and underscores, not starting with a digit\n');
      }
      database ??= await prompter.ask('DuckDB database file of the dev target:', defaultDatabase(name));
    } finally {
      prompter.close();
    }
  }
  name ??= projectNameFrom(basename(dir));
  if (!isValidProjectName(name)) throw new UsageError(`--name '${name}' is not a valid dbt project name (letters, digits and underscores, not starting with a digit)`);
  database ??= defaultDatabase(name);

  const files = scaffoldFiles({ name, database });
  const clashes = [...files.keys()].filter((f) => existsSync(join(dir, f)));
  if (existsSync(join(dir, 'dbt_project.yml')) || clashes.length > 0) {
    process.stderr.write(`medallion init: ${dir} already has ${clashes.length ? clashes.join(', ') : 'a dbt_project.yml'}; nothing was written (choose a new or empty folder)\n`);
    return 1;
  }
  writeProject(dir, files);
  const shown = relative(cwd, dir) || '.';
  process.stdout.write(
    [
      `Created ${bold(name)} in ${shown}: landing → bronze → silver → gold on the embedded DuckDB (${database}).`,
      '',
      ...(shown === '.' ? [] : [`  cd ${shown}`]),
      '  medallion build                     # seeds, models, tests and unit tests',
      '  medallion show gold_daily_revenue   # the result',
      '',
      'Declare your own landing tables in models/landing/landing.yml (every meta.landing option is',
      'explained there); a Databricks target is ready to uncomment in profiles.yml.',
      '',
    ].join('\n'),
  );
  return 0;
}

/**
 * Writes every file, or none: into a new folder through a staging folder renamed into place; into
 * an existing (empty or unrelated) folder file by file, removing what it wrote if one write fails.
 */
function writeProject(dir: string, files: Map<string, string>): void {
  const fresh = !existsSync(dir);
  const into = fresh ? `${dir}.medallion-init-${process.pid}` : dir;
  const written: string[] = [];
  try {
    for (const [file, text] of files) {
      const path = join(into, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { flag: 'wx' });
      written.push(path);
    }
    if (fresh) {
      mkdirSync(dirname(dir), { recursive: true });
      renameSync(into, dir);
    }
  } catch (err) {
    if (fresh) rmSync(into, { recursive: true, force: true });
    else for (const path of written) rmSync(path, { force: true });
    throw err;
  }
}
