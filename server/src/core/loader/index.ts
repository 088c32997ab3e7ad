/**
 * Reads a dbt project the way dbt does: dbt_project.yml, every yml under the resource paths,
 * models, seeds, snapshots, macros, singular and generic tests, then each installed package the
 * same way. Never throws: every problem becomes a Diagnostic naming the file and span, and
 * loading continues with the rest.
 *
 * One file per dbt concept, all working on one shared `LoadState` through a `PackageContext`
 * (context.ts): project-config.ts, sql-files.ts, seeds.ts, properties.ts (with columns.ts),
 * sources.ts, generic-tests.ts, unit-tests.ts, hooks.ts, packages.ts; nodes.ts builds and
 * registers nodes.
 */
import { joinPath, type FileHost } from '../host';
import type { Project, ProjectConfig } from '../model';
import { LoadState, PackageContext } from './context';
import { addHooks } from './hooks';
import { installedPackages } from './packages';
import { readProjectConfig } from './project-config';
import { loadPropertiesFiles } from './properties';
import { ScanCache } from './scan-cache';
import { loadSeeds } from './seeds';
import { loadSqlFiles } from './sql-files';

export { ScanCache } from './scan-cache';
export { parseCsvHeader } from './seeds';

export interface LoadOptions {
  /** Reuses scans of unchanged texts between loads (the language server keeps one). */
  cache?: ScanCache;
}

export function loadProject(host: FileHost, root: string, options: LoadOptions = {}): Project {
  const state = new LoadState(host, joinPath(root), options.cache ?? new ScanCache());
  const config = loadPackage(state, '', undefined);
  // Packages of packages are not loaded: dbt deps installs every package flat in the root's folder.
  for (const base of installedPackages(state, config)) loadPackage(state, base, config);
  return {
    root: state.root,
    config,
    packages: state.packages,
    nodes: state.nodes,
    disabled: state.disabled,
    macros: state.macros,
    files: state.files,
    diagnostics: state.diagnostics,
  };
}

/**
 * Loads the package in `base` ('' for the root project) into the shared state, in dbt's order:
 * macros first, then the files that define nodes, then the yml that patches them.
 */
function loadPackage(state: LoadState, base: string, rootConfig: ProjectConfig | undefined): ProjectConfig {
  const c = readProjectConfig(state, base);
  c.base = base;
  if (rootConfig) state.packages.set(c.name, c);
  const ctx = new PackageContext(state, c, base, rootConfig);
  for (const dir of c.macroPaths) loadSqlFiles(ctx, dir, 'macro');
  for (const dir of c.modelPaths) loadSqlFiles(ctx, dir, 'model');
  for (const dir of c.snapshotPaths) loadSqlFiles(ctx, dir, 'snapshot');
  for (const dir of c.testPaths) loadSqlFiles(ctx, dir, 'test');
  for (const dir of c.analysisPaths) loadSqlFiles(ctx, dir, 'analysis');
  for (const dir of c.seedPaths) loadSeeds(ctx, dir);
  loadPropertiesFiles(ctx);
  addHooks(ctx);
  return c;
}
