/**
 * `medallion clean`: deletes the project's clean-targets (dbt_project.yml; default the target
 * path), with dbt's guards: never a source folder (models, seeds, macros...), never outside the
 * project.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Analysis } from '../core/analysis';
import { items, parseYaml, get } from '../core/yaml-tree';
import { dim } from './output';

export function cleanTargets(analysis: Analysis): string[] {
  const text = readFileSync(join(analysis.project.root, 'dbt_project.yml'), 'utf8');
  const listed = items(get(parseYaml(text).root, 'clean-targets')).flatMap((n) => (n.kind === 'scalar' && typeof n.value === 'string' ? [n.value] : []));
  return listed.length ? listed : [analysis.project.config.targetPath];
}

export function cleanCommand(analysis: Analysis, quiet: boolean): number {
  const { root, config } = analysis.project;
  const targets = cleanTargets(analysis).map((t) => resolve(root, t));
  const sources = [...config.modelPaths, ...config.seedPaths, ...config.macroPaths, ...config.snapshotPaths, ...config.analysisPaths, ...config.testPaths].map((p) => resolve(root, p));
  const protectedOnes = targets.filter((t) => sources.includes(t));
  if (protectedOnes.length) {
    process.stderr.write(`medallion clean: will not delete source folders: ${protectedOnes.map((p) => relative(root, p)).join(', ')} (remove them from clean-targets)\n`);
    return 1;
  }
  const outside = targets.filter((t) => t === root || relative(root, t).startsWith('..') || isAbsolute(relative(root, t)));
  if (outside.length) {
    process.stderr.write(`medallion clean: will not delete folders outside the project: ${outside.join(', ')}\n`);
    return 1;
  }
  for (const t of targets) {
    const existed = existsSync(t);
    rmSync(t, { recursive: true, force: true });
    if (!quiet) process.stdout.write(`${existed ? 'Deleted' : dim('Not there')} ${relative(root, t)}/\n`);
  }
  return 0;
}
