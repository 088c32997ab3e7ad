/** Installed packages: `dbt deps` puts each in `<packages-install-path>/<name>/`, a dbt project of its own. */
import { joinPath, relativePath } from '../host';
import type { ProjectConfig } from '../model';
import { get, getString, items, parseYaml, type YNode } from '../yaml-tree';
import type { LoadState } from './context';

/** What installedPackages found, per load: the missing-packages check asks again. */
const installed = new WeakMap<LoadState, string[]>();

/** Folders (relative to the root project) of the packages installed for the root project. */
export function installedPackages(state: LoadState, rootConfig: ProjectConfig): string[] {
  let bases = installed.get(state);
  if (bases) return bases;
  const installDir = rootConfig.packagesInstallPath;
  const seenPackages = new Set<string>();
  bases = [];
  const pattern = new RegExp(`^${escapeRegExp(installDir)}/([^/]+)/dbt_project\\.yml$`);
  for (const abs of projectFiles(state, joinPath(state.root, installDir))) {
    const m = pattern.exec(relativePath(state.root, abs));
    if (!m || seenPackages.has(m[1]!)) continue;
    seenPackages.add(m[1]!);
    bases.push(`${installDir}/${m[1]}`);
  }
  installed.set(state, bases);
  return bases;
}

/**
 * The `<folder>/dbt_project.yml` files directly in the packages folder's folders, sorted as `list`
 * gives them: one level each (a package's integration_tests and docs are never listed), where the
 * host lists by level; else from the whole listing.
 */
function projectFiles(state: LoadState, dir: string): string[] {
  const host = state.host;
  if (!host.listLevel) return host.list(dir);
  const files: string[] = [];
  for (const folder of host.listLevel(dir).folders) {
    const file = joinPath(folder, 'dbt_project.yml');
    if (host.listLevel(folder).files.includes(file)) files.push(file);
  }
  return files.sort();
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
