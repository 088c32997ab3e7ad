/** Medallion's custom requests, shared by the server, the VS Code client and other editors' clients. */

export const CompileRequest = 'medallion/compile';
export interface CompileParams {
  uri: string;
  target?: string;
}
export interface CompileResultMessage {
  nodeId: string | null;
  sql: string | null;
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
