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
  /** Also trace columns (compiles the models shown; edges only where their SQL can be analysed). */
  columns?: boolean;
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
}
export interface LineageResult {
  focus: string | null;
  nodes: LineageNode[];
  edges: Array<{ from: string; to: string }>;
  /** Column edges (with `columns: true`): parent node's column → child node's column. */
  columnEdges?: Array<{ from: { node: string; column: string }; to: { node: string; column: string } }>;
}

/** Sent after a project's analysis and its diagnostics went out: editors can show "indexed". */
export const AnalysisCompleteNotification = 'medallion/analysisComplete';
export interface AnalysisComplete {
  root: string;
  nodes: number;
  diagnostics: number;
  /** Milliseconds this analysis took (load + graph, or an incremental update). */
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
}

/** First rows of a model's compiled SQL (or a seed/source), for the results grid. */
export const ShowRequest = 'medallion/show';
export interface ShowParams {
  uri?: string;
  nodeId?: string;
  limit?: number;
  target?: string;
}
export interface ShowResult {
  node: string | null;
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
}
