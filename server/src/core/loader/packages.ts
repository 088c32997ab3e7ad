/** Installed packages: `dbt deps` puts each in `<packages-install-path>/<name>/`, a dbt project of its own. */
import { joinPath, relativePath } from '../host';
import type { ProjectConfig } from '../model';
import { get, getString, items, parseYaml, type YNode } from '../yaml-tree';
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

/**
 * Packages listed in packages.yml (or dependencies.yml) that `dbt deps` has not installed: one
 * error saying so (instead of an error for every ref into them). Returns their names.
 */
export function reportMissingPackages(state: LoadState, rootConfig: ProjectConfig): string[] {
  let file = 'packages.yml';
  let text = state.readText(file);
  if (text === undefined) {
    file = 'dependencies.yml';
    text = state.readText(file);
  }
  if (text === undefined) return [];
  const parsed = parseYaml(text);
  const list = items(get(parsed.root, 'packages'));
  if (list.length === 0) return [];
  const installed = new Set<string>();
  const bases = installedPackages(state, rootConfig);
  for (const base of bases) installed.add(base.split('/').pop()!);
  for (const name of state.packages.keys()) installed.add(name);
  const missing: string[] = [];
  for (const entry of list) {
    const name = packageDirName(entry);
    if (name && !installed.has(name)) missing.push(name);
  }
  // dbt compares counts; names are a best guess (a git package installs under its project name).
  if (missing.length === 0 || bases.length >= list.length) return [];
  state.report({
    code: 'project-config',
    file,
    span: parsed.root?.span ?? { start: 0, end: 0 },
    message: `packages not installed: ${missing.join(', ')} (listed in ${file}, missing from ${rootConfig.packagesInstallPath}/) — run \`dbt deps\` to install them; refs and macros from them cannot be resolved until then`,
  });
  return missing;
}

/** The folder `dbt deps` would install an entry into, as best known: hub `org/name` → name, git/local → the last path part. */
function packageDirName(entry: YNode): string | undefined {
  const raw = getString(entry, 'package') ?? getString(entry, 'git') ?? getString(entry, 'local') ?? getString(entry, 'tarball');
  if (!raw) return getString(entry, 'name');
  const last = raw.replace(/\/+$/, '').replace(/\.git$/, '').split(/[/:]/).pop();
  return getString(entry, 'name') ?? last;
}
