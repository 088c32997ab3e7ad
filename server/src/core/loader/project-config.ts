/** dbt_project.yml → ProjectConfig: name, resource paths, vars, hooks, quoting and the config trees. */
import { joinPath } from '../host';
import type { ProjectConfig } from '../model';
import { get, getString, parseYaml, toJS } from '../yaml-tree';
import { isDict, type LoadState } from './context';

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
  const name = getString(root, 'name');
  if (name) config.name = name;
  else state.report({ code: 'yaml-schema', file: projectFile, span: root.span, message: `${projectFile} has no 'name'` });
  const profile = getString(root, 'profile');
  if (profile) config.profile = profile;
  const paths = (key: string, fallback: string[]): string[] => {
    const v = toJS(get(root, key));
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
  for (const key of ['models', 'seeds', 'snapshots', 'sources', 'unit_tests'] as const) {
    const tree = toJS(get(root, key));
    if (isDict(tree)) config.trees[key] = tree;
  }
  const tests = toJS(get(root, 'data_tests') ?? get(root, 'tests'));
  if (isDict(tests)) config.trees.tests = tests;
  return config;
}
