/** Installed packages: `dbt deps` puts each in `<packages-install-path>/<name>/`, a dbt project of its own. */
import { joinPath, relativePath } from '../host';
import type { ProjectConfig } from '../model';
import type { LoadState } from './context';

/** Folders (relative to the root project) of the packages installed for the root project. */
export function installedPackages(state: LoadState, rootConfig: ProjectConfig): string[] {
  const installDir = rootConfig.packagesInstallPath;
  const seenPackages = new Set<string>();
  const bases: string[] = [];
  for (const abs of state.host.list(joinPath(state.root, installDir))) {
    const rel = relativePath(state.root, abs);
    const m = new RegExp(`^${escapeRegExp(installDir)}/([^/]+)/dbt_project\\.yml$`).exec(rel);
    if (!m || seenPackages.has(m[1]!)) continue;
    seenPackages.add(m[1]!);
    bases.push(`${installDir}/${m[1]}`);
  }
  return bases;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
