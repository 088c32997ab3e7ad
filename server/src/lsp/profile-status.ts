/** Whether a project's profile exists in the profiles.yml dbt would read (else runs use the built-in DuckDB target). */
import type { Analysis } from '../core/analysis';
import { joinPath, type FileHost } from '../core/host';
import { defaultProfilesDirs } from '../core/session';
import { get, parseYaml } from '../core/yaml-tree';
import type { TargetsResult } from './protocol';

export function profileStatus(host: FileHost, analysis: Analysis, env: Record<string, string | undefined>): NonNullable<TargetsResult['profile']> {
  const name = analysis.project.config.profile ?? analysis.project.config.name;
  const searched = defaultProfilesDirs(analysis.project.root, env).map((dir) => joinPath(dir, 'profiles.yml'));
  // dbt reads the first profiles.yml it finds, like resolveTarget does.
  for (const file of searched) {
    const read = host.read(file);
    if (read.kind !== 'text') continue;
    return { name, found: get(parseYaml(read.text).root, name) !== undefined, file, searched };
  }
  return { name, found: false, file: null, searched };
}
