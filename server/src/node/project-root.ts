/** Finds the dbt project a command works on: --project, else the nearest dbt_project.yml upwards, else ./models. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function findProjectRoot(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit) {
    const dir = resolve(cwd, explicit);
    return existsSync(join(dir, 'dbt_project.yml')) ? dir : undefined;
  }
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, 'dbt_project.yml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const fallback = resolve(cwd, 'models');
  return existsSync(join(fallback, 'dbt_project.yml')) ? fallback : undefined;
}
