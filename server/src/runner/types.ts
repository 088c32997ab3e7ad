/** What a run reports: one result per node, and events while it runs. */
import type { ProjectNode } from '../core/model';

export type RunCommand = 'build' | 'run' | 'test' | 'seed' | 'snapshot';

/** dbt's statuses: models succeed or error; tests pass, warn, fail or error; exposures are no-ops (build); anything may be skipped. */
export type NodeStatus = 'success' | 'error' | 'pass' | 'warn' | 'fail' | 'skipped' | 'cancelled' | 'no-op';

export interface NodeResult {
  uniqueId: string;
  name: string;
  resourceType: ProjectNode['resourceType'];
  status: NodeStatus;
  message: string;
  /** Rows written (materializations) or failing rows (tests). */
  rows?: number;
  failures?: number;
  seconds: number;
  startedAt: string;
  completedAt: string;
  thread: string;
  file: string;
  /** 1-based line in `file` the message points at, when known. */
  line?: number;
  relation?: string;
  compiledSql?: string;
}

export type RunEvent =
  | { kind: 'start'; node: ProjectNode; index: number; total: number; thread: string }
  | { kind: 'finish'; result: NodeResult; index: number; total: number }
  | { kind: 'phase'; message: string };

export interface RunSummary {
  command: RunCommand;
  target: string;
  results: NodeResult[];
  elapsedSeconds: number;
  cancelled: boolean;
  /** Problems that stopped the run before any node (bad target, engine failed to open). */
  fatal?: string;
  /** What each landing table of the run loaded (a failed one is also an `error` result of its source). */
  landing: LandingOutcome[];
}

export interface LandingOutcome {
  /** `source_name.table_name` */
  source: string;
  uniqueId: string;
  relation: string;
  /** Files read; -1 where the warehouse lists them itself. */
  files: number;
  /** Rows loaded, where the engine counts them. */
  rows?: number;
  /** Rows set aside in `rejectsRelation` (`meta.landing.on_bad_rows: reject`). */
  rejected?: number;
  rejectsRelation?: string;
  error?: string;
}

export function isFailure(status: NodeStatus): boolean {
  return status === 'error' || status === 'fail' || status === 'cancelled';
}
