/** dbt_project.yml → ProjectConfig: name, resource paths, vars, hooks, quoting and the config trees. */
import { joinPath } from '../host';
import type { ProjectConfig } from '../model';
import { get, getString, parseYaml, toJS, type YNode } from '../yaml-tree';
import { isDict, type LoadState } from './context';
import { projectYamlSkips, renderedValue } from './render-yaml';

const PROJECT_FILE = 'dbt_project.yml';

/** A package's dbt_project.yml relative to the root project. */
export function projectFilePath(base: string): string {
  return base ? `${base}/${PROJECT_FILE}` : PROJECT_FILE;
}

/** The config of the package in `base` ('' for the root project); dbt's defaults where the file is missing or wrong. */
export function readProjectConfig(state: LoadState, base: string): ProjectConfig {
  const fallbackName = joinPath(state.root, base).split('/').filter(Boolean).pop() ?? 'project';
  const config: ProjectConfig = {
    name: fallbackName,
    modelPaths: ['models'],
    seedPaths: ['seeds'],
    macroPaths: ['macros'],
    snapshotPaths: ['snapshots'],
    testPaths: ['tests'],
    analysisPaths: ['analyses'],
    targetPath: 'target',
    packagesInstallPath: 'dbt_packages',
    vars: {},
    trees: {},
    quoting: {},
    onRunStart: [],
    onRunEnd: [],
  };
  const projectFile = projectFilePath(base);
  const text = state.readText(projectFile);
  if (text === undefined) {
    state.report({ code: 'project-config', file: projectFile, message: `No ${PROJECT_FILE} in ${joinPath(state.root, base)}; using dbt's default layout` });
    return config;
  }
  const parsed = parseYaml(text);
  for (const p of parsed.problems) state.report({ code: 'yaml-syntax', severity: p.severity, file: projectFile, span: p.span, message: p.message });
  const root = parsed.root;
  if (root?.kind !== 'map') {
    if (parsed.problems.length === 0) state.report({ code: 'yaml-schema', file: projectFile, message: `${projectFile} must be a mapping` });
    return config;
  }
  // Values are rendered (target, env_var, --vars) except hooks and vars, as dbt renders the project file.
  const rendered = (key: string): unknown => {
    const node = get(root, key);
    const render = state.renderProjectValue;
    if (!render) return toJS(node);
    return renderedValue(node, render, (span, message) => state.report({ code: 'jinja-render', file: projectFile, span, message }), projectYamlSkips, [key]);
  };
  const name = getString(root, 'name');
  if (name) config.name = name;
  else state.report({ code: 'yaml-schema', file: projectFile, span: root.span, message: `${projectFile} has no 'name'` });
  const version = get(root, 'version');
  if (version?.kind === 'scalar' && version.value !== null && version.value !== undefined) config.version = String(version.value);
  const profile = getString(root, 'profile');
  if (profile) config.profile = profile;
  const paths = (key: string, fallback: string[]): string[] => {
    const v = rendered(key);
    if (v === undefined || v === null) return fallback;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    state.report({ code: 'yaml-schema', file: projectFile, span: root.entries.get(key)!.keySpan, message: `'${key}' must be a list of folder names` });
    return fallback;
  };
  config.modelPaths = paths('model-paths', paths('source-paths', config.modelPaths));
  config.seedPaths = paths('seed-paths', paths('data-paths', config.seedPaths));
  config.macroPaths = paths('macro-paths', config.macroPaths);
  config.snapshotPaths = paths('snapshot-paths', config.snapshotPaths);
  config.testPaths = paths('test-paths', config.testPaths);
  config.analysisPaths = paths('analysis-paths', config.analysisPaths);
  config.targetPath = getString(root, 'target-path') ?? config.targetPath;
  config.packagesInstallPath = (getString(root, 'packages-install-path') ?? config.packagesInstallPath).replace(/\/$/, '');
  const vars = toJS(get(root, 'vars'));
  if (isDict(vars)) config.vars = vars;
  const hooks = (key: string): string[] => {
    const v = toJS(get(root, key));
    return v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
  };
  config.onRunStart = hooks('on-run-start');
  config.onRunEnd = hooks('on-run-end');
  const quoting = toJS(get(root, 'quoting'));
  if (isDict(quoting)) config.quoting = quoting;
  const keep = (key: keyof ProjectConfig['trees'], name: string): void => {
    const tree = rendered(name);
    if (!isDict(tree)) return;
    config.trees[key] = tree;
    // The tree as written, kept where its Jinja rendered to something else (state-view's unrendered_config).
    const written = toJS(get(root, name));
    if (state.renderProjectValue && isDict(written) && JSON.stringify(written) !== JSON.stringify(tree)) (config.writtenTrees ??= {})[key] = written;
  };
  for (const key of ['models', 'seeds', 'snapshots', 'sources', 'unit_tests', 'analyses'] as const) keep(key, key);
  keep('tests', get(root, 'data_tests') ? 'data_tests' : 'tests');
  const flags = toJS(get(root, 'flags'));
  if (isDict(flags)) config.flags = flags;
  const dispatch = dispatchConfig(get(root, 'dispatch'));
  if (dispatch.length > 0) config.dispatch = dispatch;
  return config;
}

/** `dispatch: [{macro_namespace: dbt_utils, search_order: [my_project, dbt_utils]}]` */
function dispatchConfig(node: YNode | undefined): NonNullable<ProjectConfig['dispatch']> {
  const value = toJS(node);
  if (!Array.isArray(value)) return [];
  const out: NonNullable<ProjectConfig['dispatch']> = [];
  for (const entry of value) {
    if (!isDict(entry) || typeof entry.macro_namespace !== 'string' || !Array.isArray(entry.search_order)) continue;
    out.push({ macroNamespace: entry.macro_namespace, searchOrder: entry.search_order.map(String) });
  }
  return out;
}

/** The profile a project names (dbt_project.yml `profile:`, else its name), read before the project is rendered. */
export function profileNameOf(state: LoadState): string | undefined {
  const text = state.readText(projectFilePath(''));
  if (text === undefined) return undefined;
  const root = parseYaml(text).root;
  return getString(root, 'profile') ?? getString(root, 'name');
}
