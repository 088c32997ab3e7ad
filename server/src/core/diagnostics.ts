import type { Span } from './text';

export type Severity = 'error' | 'warning' | 'info';

/**
 * A problem found in the project. Always names a file (relative to the project root) and,
 * where known, the span of the offending text. Codes are stable identifiers the editor and
 * the CLI can filter on (`medallion.<code>`).
 */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  file: string;
  span?: Span;
  /** Names the fix would insert, e.g. the nearest model names for an unknown ref. */
  suggestions?: string[];
  /** Other places that belong to the same problem (e.g. the rest of a cycle). */
  related?: Array<{ file: string; span?: Span; message: string }>;
}

export type DiagnosticCode =
  | 'jinja-syntax'
  | 'jinja-render'
  | 'unknown-ref'
  | 'unknown-source'
  | 'dynamic-ref'
  | 'disabled-ref'
  | 'cycle'
  | 'duplicate-name'
  | 'yaml-syntax'
  | 'yaml-schema'
  | 'missing-file'
  | 'binary-file'
  | 'file-too-large'
  | 'project-config'
  | 'profile'
  | 'layer-violation'
  | 'sql-syntax'
  | 'unknown-macro'
  | 'contract'
  // The target engine's binder (column model): exact judgments of compiled SQL.
  | 'column-unknown'
  | 'column-ambiguous'
  | 'type-mismatch'
  | 'sql-bind'
  // yml documents a column the model (exactly bound) does not output.
  | 'yml-column-missing';
