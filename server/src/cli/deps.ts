/** `medallion deps`: installs the project's packages (server/src/deps/install.ts) and reports what it did. */
import { flag, option, type ParsedArgs } from './args';
import { bold, dim, red, yellow } from './output';
import { findProjectRoot } from '../node/project-root';
import { describePinned, DepsError, installDeps } from '../deps/install';
import { relative } from 'node:path';

export async function depsCommand(args: ParsedArgs): Promise<number> {
  const root = findProjectRoot(option(args, 'project'));
  if (!root) {
    process.stderr.write('medallion deps: no dbt project found (no dbt_project.yml here or above)\n');
    return 2;
  }
  const quiet = flag(args, 'quiet');
  try {
    const result = await installDeps(root, {
      env: process.env as Record<string, string | undefined>,
      upgrade: flag(args, 'upgrade'),
      lockOnly: flag(args, 'lock'),
      onEvent: (message) => {
        if (!quiet) process.stdout.write(`${dim(message)}\n`);
      },
      onWarning: (message) => process.stderr.write(`${yellow('warning')}: ${message}\n`),
    });
    for (const p of result.packages) {
      process.stdout.write(`${bold(p.name)}  ${describePinned(p.pinned)}${p.updateAvailable ? yellow(`  (${p.updateAvailable} is available)`) : ''}\n`);
    }
    if (result.packages.length) process.stdout.write(`Installed ${result.packages.length} packages into ${relative(process.cwd(), result.installPath) || '.'}\n`);
    return 0;
  } catch (err) {
    if (err instanceof DepsError) {
      process.stderr.write(`${red('error')}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
