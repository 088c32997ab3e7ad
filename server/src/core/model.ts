/** The project model: what the loader produces and every other part of the product reads. */
import type { Diagnostic } from './diagnostics';
import type { BlockDefinition, DynamicCall, RefCall, SourceCall } from './scanner';
import type { Span } from './text';

export type ResourceType = 'model' | 'seed' | 'snapshot' | 'source' | 'test' | 'unit_test' | 'analysis' | 'operation' | 'exposure';

/** Resolved node configuration (dbt's `config`), after dbt_project.yml → yml → config() precedence. */
export interface NodeConfig {
  enabled: boolean;
  materialized: string;
  tags: string[];
  meta: Record<string, unknown>;
  schema?: string;
  database?: string;
  alias?: string;
  [key: string]: unknown;
}

export interface ColumnInfo {
  name: string;
  description?: string;
  dataType?: string;
  /** `meta:` merged with `config: {meta:}`, as dbt merges them (the config's win). */
  meta?: Record<string, unknown>;
  /** `tags:` and `config: {tags:}`, each once. */
  tags?: string[];
  /** yml `constraints:` of the column (contracts), as written. */
  constraints?: Array<Record<string, unknown>>;
  /** yml `quote:`: the column name is quoted in DDL. */
  quote?: boolean;
  file: string;
  span: Span;
}

export interface TestMetadata {
  /** Generic test name (`unique`, `not_null`, `relationships`, a project `{% test %}`). */
  name: string;
  namespace?: string;
  /** Arguments as written in yml (column_name included); `model` is implicit. */
  kwargs: Record<string, unknown>;
  /** dbt's compiled name when it is not the node's name (the hashed short name of a long one). */
  compiledName?: string;
  /** The test's own config (legacy keys, `config:`, the short alias), in dbt's order: its raw code's config() call. */
  config?: Record<string, unknown>;
}

export interface ProjectNode {
  uniqueId: string;
  resourceType: ResourceType;
  name: string;
  packageName: string;
  /** File the node is defined in, relative to the project root (for sources: the yml). */
  file: string;
  /** Where the name is written (snapshot block name, yml `name:` value); undefined = whole file. */
  nameSpan?: Span;
  /** For snapshots: the `{% snapshot %}` block. */
  blockSpan?: Span;
  fqn: string[];
  config: NodeConfig;
  /** dbt's node `tags` where they differ from config.tags (a generic test: its column's tags too, each once). */
  tags?: string[];
  /** Model versions (dbt 1.5+): this node's version and the model's latest version. */
  version?: string;
  latestVersion?: string;
  layer?: string;
  description?: string;
  columns: ColumnInfo[];
  refs: RefCall[];
  sources: SourceCall[];
  dynamic: DynamicCall[];
  /** How parse time read a SQL node (absent for seeds, sources and tests from yml). */
  parsed?: ParsedNode;
  /** The layers the node's config is made of, kept so a yml patch can recompute it in dbt's order. */
  configLayers?: ConfigLayers;
  /** Resolved parents (unique ids), filled by the graph. */
  dependsOn: string[];
  /** The node's entry in a properties yml, when it has one. */
  yml?: { file: string; span: Span };
  /** Model-level yml `constraints:` (contracts), as written. */
  constraints?: Array<Record<string, unknown>>;
  source?: {
    sourceName: string;
    identifier: string;
    schema?: string;
    database?: string;
    loader?: string;
    sourceMeta: Record<string, unknown>;
    sourceDescription?: string;
    /** The yml `quoting:` of the source and table. */
    quoting: Record<string, unknown>;
  };
  test?: TestMetadata & { attachedTo?: string; columnName?: string; severity: 'warn' | 'error' };
  unitTest?: { model: string; given: unknown[]; expect: unknown; overrides?: unknown };
  /** Snapshots defined in yml (dbt 1.9): the `relation:` expression, e.g. `ref('stg_events')`. */
  snapshotRelation?: string;
  /** Operations: a project hook (`on-run-start`/`on-run-end` in dbt_project.yml) and its SQL. */
  hook?: { when: 'on-run-start' | 'on-run-end'; index: number; sql: string };
  /** Seeds: the CSV header. */
  seedColumns?: string[];
  /** Exposures (yml `exposures:`): what reads the project, never built or run. */
  exposure?: {
    type: string;
    maturity?: string;
    label?: string;
    url?: string;
    owner: { name?: string; email?: string };
    /** The entry's `config:` as written (dbt's `unrendered_config`). */
    unrenderedConfig: Record<string, unknown>;
  };
}

export interface ParsedNode {
  /** 'scan': the static scan (no Jinja but literal ref/source/config calls: provably the render's answer); 'render': rendered at parse time. */
  by: 'scan' | 'render';
  /** dbt's depends_on.macros: unique ids of the macros the node's own Jinja called. */
  macros: string[];
  /** Every macro its render reached, however deep: a macro edit re-renders the nodes that used it. */
  uses: string[];
}

/** dbt's config precedence, lowest first: the node's own project tree, yml `config:`, config() calls, then (for a package's node) the root project's tree. */
export interface ConfigLayers {
  tree: NodeConfig;
  patch?: Record<string, unknown>;
  call?: Record<string, unknown>;
  rootLayers?: Array<Record<string, unknown>>;
}

export interface MacroDefinition {
  /** Name as called (`test_<name>` for `{% test name %}` blocks, as in dbt). */
  name: string;
  packageName: string;
  file: string;
  block: BlockDefinition;
}

/** A `{% docs name %}` block: what `{{ doc('name') }}` in a description renders to. */
export interface DocsBlock {
  name: string;
  packageName: string;
  file: string;
  nameSpan: Span;
  text: string;
}

export interface ProjectFile {
  path: string;
  kind: 'model' | 'seed' | 'snapshot' | 'macro' | 'test' | 'analysis' | 'yaml' | 'python-model';
  /** The text as read (undefined for binary/huge files). */
  text?: string;
  blocks: BlockDefinition[];
  /** Unique ids of the nodes this file defines. */
  nodeIds: string[];
}

export interface ProjectConfig {
  name: string;
  /** `version:` of dbt_project.yml. */
  version?: string;
  /** Folder of this project relative to the root project ('' for the root, `dbt_packages/x` for a package). */
  base?: string;
  profile?: string;
  modelPaths: string[];
  seedPaths: string[];
  macroPaths: string[];
  snapshotPaths: string[];
  testPaths: string[];
  analysisPaths: string[];
  targetPath: string;
  packagesInstallPath: string;
  vars: Record<string, unknown>;
  /** The config trees under `models:`, `seeds:`, `snapshots:`, `data_tests:`/`tests:`, `sources:`, `unit_tests:`, `analyses:`. */
  trees: Partial<Record<'models' | 'seeds' | 'snapshots' | 'tests' | 'sources' | 'unit_tests' | 'analyses', Record<string, unknown>>>;
  /** The trees as written, where Jinja in them rendered to something else (dbt's `unrendered_config` reads these). */
  writtenTrees?: ProjectConfig['trees'];
  /** `flags:` of dbt_project.yml (dbt reads the root project's). */
  flags?: Record<string, unknown>;
  quoting: Record<string, unknown>;
  /** `dispatch:` search orders per macro namespace. */
  dispatch?: Array<{ macroNamespace: string; searchOrder: string[] }>;
  onRunStart: string[];
  onRunEnd: string[];
}

/**
 * dbt's `require_corrected_analysis_fqns` flag (the root project's `flags:`): analyses are then
 * configured under `analyses:` and named by their own folders; without it, under `models:` and
 * below an `analysis` folder (fqn and path).
 */
export function correctedAnalysisFqns(root: ProjectConfig): boolean {
  return root.flags?.require_corrected_analysis_fqns === true;
}

export interface Project {
  /** Absolute path of the folder holding dbt_project.yml. */
  root: string;
  config: ProjectConfig;
  /** Installed packages' own dbt_project.yml configs, by package name. */
  packages: Map<string, ProjectConfig>;
  /** Enabled nodes by unique id. */
  nodes: Map<string, ProjectNode>;
  /** Disabled nodes (enabled: false) by name, kept so refs to them can be explained. */
  disabled: Map<string, ProjectNode[]>;
  macros: Map<string, MacroDefinition[]>;
  /** Docs blocks by name (a name may be defined by several packages). */
  docs: Map<string, DocsBlock[]>;
  files: Map<string, ProjectFile>;
  diagnostics: Diagnostic[];
  /** The target the project was parsed for (its profile's, or the default). */
  target?: import('./profiles').Target;
  /** Packages packages.yml lists that are not installed (one error says so; what follows from it is not reported again). */
  missingPackages?: string[];
}

export const LAYERS_DEFAULT = ['landing', 'bronze', 'silver', 'gold'] as const;
