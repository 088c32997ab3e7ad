/** Medallion's custom requests, shared by the server, the VS Code client and other editors' clients. */

export const CompileRequest = 'medallion/compile';
export interface CompileParams {
  uri: string;
  target?: string;
}
export interface CompileResultMessage {
  nodeId: string | null;
  sql: string | null;
  /** lineMap[i]: the 0-based model line compiled line i comes from. */
  lineMap: number[] | null;
  relation: string | null;
  target: string;
  problems: Array<{ message: string; file: string; line?: number }>;
}

export const LineageRequest = 'medallion/lineage';
export interface LineageParams {
  /** A document (its model) or a node's unique id. */
  uri?: string;
  nodeId?: string;
  depth?: number;
  /** Ancestors, descendants or both (the default). */
  direction?: 'up' | 'down' | 'both';
  /** Also trace columns (compiles the models shown; edges only where their SQL can be analysed). */
  columns?: boolean;
  /** With `columns`: trace only among these nodes (default: every node of the answer). */
  columnNodes?: string[];
}
export interface LineageColumnInfo {
  name: string;
  type?: string;
  description?: string;
  /** Declared in a properties yml. */
  declared?: boolean;
  /** Confirmed by the target engine's binder (the column model); absent when only yml or a best-effort SQL reading says so. */
  exact?: boolean;
}
export interface LineageNode {
  id: string;
  name: string;
  resourceType: string;
  layer: string | null;
  materialized: string;
  file: string;
  /** Negative upstream, positive downstream, 0 the focus. */
  depth: number;
  /** Where the node is defined (sources and exposures: their yml entry). */
  uri?: string;
  line?: number;
  /** The file's folder relative to the project, and the colour group (the layer, or the first folder). */
  folder?: string;
  group?: string;
  description?: string;
  tags?: string[];
  /** Lineage parents and children in the whole project: more than drawn means the view can expand. */
  parents?: number;
  children?: number;
  /** The relation for the default target (small answers and single nodes; absent in an untrusted workspace). */
  relation?: string;
  columns?: LineageColumnInfo[];
  /** Data tests on this node (their last status comes from runs). */
  tests?: Array<{ id: string; name: string; column?: string }>;
}
export interface LineageColumnEdge {
  from: { node: string; column: string };
  to: { node: string; column: string };
  /** True only when the target engine bound the SQL (exact); otherwise a best-effort reading of the compiled SQL. */
  exact?: boolean;
}
export interface LineageResult {
  focus: string | null;
  nodes: LineageNode[];
  edges: Array<{ from: string; to: string }>;
  /** Column edges (with `columns: true`): parent node's column → child node's column. */
  columnEdges?: LineageColumnEdge[];
  /** Whether the project has layers; without, `group` is a folder. */
  layered?: boolean;
  /** The layers in use, upstream to downstream (layered projects). */
  layers?: string[];
  /** Models whose SQL could not be read for column lineage (with `columns: true`). */
  columnProblems?: Array<{ node: string; message: string }>;
}

/**
 * Sent before a project's load (not before an incremental update): the load starts once this is on
 * the wire, and `analysisComplete` follows (unless a shutdown stopped the load). Editors can show "indexing".
 */
export const AnalysisStartedNotification = 'medallion/analysisStarted';
export interface AnalysisStarted {
  root: string;
}

/** Sent after a project's analysis and its diagnostics went out: editors can show "indexed". */
export const AnalysisCompleteNotification = 'medallion/analysisComplete';
export interface AnalysisComplete {
  root: string;
  nodes: number;
  diagnostics: number;
  /** Milliseconds this analysis took (load + graph, or an incremental update). */
  millis: number;
  /** Nodes still being re-rendered in the background after a macro edit (0: the diagnostics sent are complete). */
  rendering?: number;
}

/**
 * Sent when a project's persisted index matched its inputs and its stored diagnostics went out,
 * before the load: the load's own publication (and `analysisComplete`) follows.
 */
export const IndexServedNotification = 'medallion/indexServed';
export interface IndexServed {
  root: string;
  /** Files with diagnostics in the index (each was published). */
  files: number;
  diagnostics: number;
  /** Milliseconds from reading the index to the last diagnostic handed to the connection. */
  millis: number;
}

/**
 * Sent when a new version of a project's column model is complete (after the analysis it was
 * computed from): its nodes, how many the target engine bound exactly, and how long it took.
 */
export const ColumnsCompleteNotification = 'medallion/columnsComplete';
export interface ColumnsComplete {
  root: string;
  /** The column model's version and the analysis version it was computed from. */
  version: number;
  analysisVersion: number;
  nodes: number;
  exact: number;
  millis: number;
}

/** Runs nodes (progress through `$/progress`, cancellable); events stream as `medallion/runEvent`. */
export const RunRequest = 'medallion/run';
export interface RunParams {
  command?: 'build' | 'run' | 'test' | 'seed' | 'snapshot';
  /** dbt selectors; or `uri` with `upstream`/`downstream` to select a document's model. */
  select?: string[];
  uri?: string;
  upstream?: boolean;
  downstream?: boolean;
  target?: string;
  fullRefresh?: boolean;
  threads?: number;
  /** Another run's artifacts folder (relative to the project, or absolute) for `state:` selectors and deferral. */
  state?: string;
  /** Read unselected parents from the state's relations when they are not built here (dbt --defer). */
  defer?: boolean;
  /** With `defer`: read every unselected parent from the state. */
  favorState?: boolean;
}
export interface RunResultMessage {
  target: string;
  cancelled: boolean;
  fatal: string | null;
  elapsedSeconds: number;
  results: Array<{ uniqueId: string; name: string; status: string; message: string; rows?: number; failures?: number; seconds: number; file: string; line?: number; relation?: string }>;
}
export const RunEventNotification = 'medallion/runEvent';
export interface RunEventMessage {
  kind: 'start' | 'finish' | 'phase';
  nodeId?: string;
  name?: string;
  status?: string;
  message?: string;
  index?: number;
  total?: number;
  /** What dbt's log line says of a node: its type and materialization, relation, rows written (or failing), seconds. */
  resourceType?: string;
  materialized?: string;
  relation?: string;
  rows?: number;
  failures?: number;
  seconds?: number;
}

/** First rows of a model's compiled SQL (or a seed/source), for the results grid. */
export const ShowRequest = 'medallion/show';
export interface ShowParams {
  uri?: string;
  nodeId?: string;
  limit?: number;
  target?: string;
  /** Jinja SQL selected in the document, rendered in the context of its model and previewed instead. */
  text?: string;
  /** Preview the CTE of the document's model at this position (its `with` chain up to it). */
  cteAt?: { line: number; character: number };
}
export interface ShowResult {
  node: string | null;
  /** The SQL that ran (for a test: its compiled SQL, whose rows are the failures). */
  sql?: string;
  /** What was previewed: the node's name, `name › cte`, or `selection`. */
  title?: string;
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  seconds: number;
  /** Set when the query could not run (message of the engine, or why). */
  error: string | null;
}

/** The profile's targets for a document's project, and which one is the default. */
export const TargetsRequest = 'medallion/targets';
export interface TargetsResult {
  targets: string[];
  defaultTarget: string;
  /** The project's profile and whether a profiles.yml holds it (else runs use the built-in DuckDB target). */
  profile?: { name: string; found: boolean; file: string | null; searched: string[] };
}

/**
 * The projects of the workspace with their sources, seeds, models and snapshots grouped by layer
 * (the configured layers from upstream to downstream, then `other`), for a tree view.
 */
export const ModelsRequest = 'medallion/models';
export interface ModelsParams {
  /** Only the project of this document; all projects when absent. */
  uri?: string;
}
export interface ModelsTreeNode {
  id: string;
  name: string;
  resourceType: 'source' | 'seed' | 'model' | 'snapshot' | 'exposure';
  layer: string | null;
  /** The materialization (an exposure: its type, e.g. `dashboard`). */
  materialized: string;
  /** Where the node is defined (for sources and exposures: their yml entry). */
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** Sources: the last `source freshness` check (target/sources.json), when one measured them. */
  freshness?: {
    status: string;
    /** How old the newest data was at the check, in seconds and as read (`3d`); null when unknown. */
    ageSeconds: number | null;
    age: string | null;
    checkedAt: string | null;
  };
}
export interface ModelsFolder {
  name: string;
  /** Relative to the project root, e.g. `models/staging`. */
  path: string;
  /** Nodes in this folder and below. */
  count: number;
  folders: ModelsFolder[];
  nodes: ModelsTreeNode[];
}
export interface ModelsResult {
  projects: Array<{
    name: string;
    root: string;
    uri: string;
    /** Layered projects: their layers (empty without layers). */
    layers: Array<{ name: string; nodes: ModelsTreeNode[] }>;
    /** `folder` for a project without layers: `folders` holds its tree. */
    grouping?: 'layer' | 'folder';
    folders?: ModelsFolder[];
    /** Where the project writes artifacts (run_results.json), relative to its root. */
    targetPath?: string;
    /** The project's exposures (dashboards, notebooks... that read it), listed on their own. */
    exposures?: ModelsTreeNode[];
  }>;
}

/**
 * Uploads the project's local landing files to its landing location on S3 (what
 * `medallion landing upload` does): each landing table's own local folder, or `<dir>/<table>/`.
 * Cancellable; progress streams as `medallion/landingEvent`. Refused in an untrusted workspace.
 */
export const UploadLandingRequest = 'medallion/uploadLanding';
export interface UploadLandingParams {
  /** A document of the project (the first project when absent). */
  uri?: string;
  dir?: string;
  source?: string;
}
export interface UploadLandingResult {
  root: string;
  cancelled: boolean;
  tables: Array<{ table: string; to: string; status: 'uploaded' | 'local' | 'missing' | 'error'; from?: string | null; files?: number; bytes?: number; message?: string }>;
}
export const LandingEventNotification = 'medallion/landingEvent';
export interface LandingEventMessage {
  kind: 'table' | 'progress';
  table: string;
  /** `table`: the local folder and the destination. */
  from?: string;
  to?: string;
  /** `progress`: a file of the table and its bytes sent so far. */
  file?: string;
  bytes?: number;
  total?: number;
}

/**
 * `initializationOptions` the server reads. `trusted: false` (an untrusted workspace): the server
 * navigates and diagnoses from scanning only; it never renders project templates (no compile,
 * no on-save SQL check, no relation names in hovers, no column lineage) and never runs, previews
 * or uploads. Absent means trusted.
 */
export interface InitializationOptions {
  layers?: unknown;
  trusted?: boolean;
}

/**
 * Source freshness for editors: the project's last `source freshness` result (target/sources.json),
 * or, with `check: true`, a new check (refused in an untrusted workspace). Stale sources are those
 * with status `warn`, `error` or `runtime error`.
 */
export const SourceFreshnessRequest = 'medallion/sourceFreshness';
export interface SourceFreshnessParams {
  uri?: string;
  check?: boolean;
  target?: string;
}
export interface SourceFreshnessResult {
  root: string | null;
  /** When the result was measured; null when there is none yet. */
  generatedAt: string | null;
  sources: Array<{ id: string; name: string; status: string; maxLoadedAt: string | null; ageSeconds: number | null; error?: string }>;
}

/** What changed against another run's state (`state:modified` and `state:new`), for views to mark. */
export const StateStatusRequest = 'medallion/stateStatus';
export interface StateStatusParams {
  uri?: string;
  /** The state folder (relative to the project, or absolute). */
  state: string;
}
export interface StateStatusResult {
  modified: string[];
  new: string[];
  /** Why the comparison could not run (no manifest there), or dbt's warnings. */
  problems: string[];
}

/**
 * "Install packages": whether a project's packages need installing (packages.yml or
 * dependencies.yml lists some and dbt_packages/ is missing or stale; files only, cheap), and the
 * install itself, as `medallion deps` does (refused in an untrusted workspace).
 */
export const DepsStatusRequest = 'medallion/depsStatus';
export const InstallDepsRequest = 'medallion/installDeps';
/** A file or folder of the project (the project is the nearest dbt_project.yml upwards). */
export interface DepsParams {
  uri: string;
}
export interface DepsStatusResult {
  projectRoot?: string;
  /** The file that lists packages, if any lists some. */
  packagesFile?: string;
  /** Why `medallion deps` should run; absent when the installed packages are current. */
  reason?: 'not-installed' | 'lock-stale' | 'package-missing';
  message?: string;
}
export interface InstallDepsResult {
  ok: boolean;
  message: string;
  packages: Array<{ name: string; version: string }>;
}
