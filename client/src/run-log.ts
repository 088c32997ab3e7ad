/**
 * Run feedback in dbt's words (pure, no vscode): a log line per node start and finish, as dbt
 * prints them (`1 of 5 OK created sql table model silver.silver_orders .... [SELECT 300 in
 * 0.05s]`), at error level for failures; the status bar's counts; and the last run's statuses
 * read back from target/run_results.json after a reload.
 */
import type { RunEventMessage, RunResultMessage } from '../../server/src/lsp/protocol';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  text: string;
  /** The error message, on lines of its own. */
  detail?: string;
}

const WIDTH = 80;

/** `"db"."schema"."name"` → `schema.name`, as dbt's log shows relations. */
export function shortRelation(relation: string | undefined): string | undefined {
  if (!relation) return undefined;
  const parts = relation.match(/"[^"]*"|`[^`]*`|[^.]+/g)?.map((p) => p.replace(/^["`]|["`]$/g, '')) ?? [];
  return parts.slice(-2).join('.');
}

/** What dbt calls the node in its log: `sql table model silver.silver_orders`, `seed file bronze.x`, `test not_null_x`. */
function described(e: RunEventMessage): string {
  const where = shortRelation(e.relation) ?? e.name ?? '';
  switch (e.resourceType) {
    case 'seed':
      return `seed file ${where}`;
    case 'snapshot':
      return `snapshot ${where}`;
    case 'test':
    case 'unit_test':
      return `${e.resourceType === 'unit_test' ? 'unit test' : 'test'} ${e.name ?? ''}`;
    default:
      return `sql ${e.materialized ?? 'table'} model ${where}`;
  }
}

function padded(left: string, right: string): string {
  const dots = Math.max(3, WIDTH - left.length - right.length - 2);
  return `${left} ${'.'.repeat(dots)} ${right}`;
}

const secs = (e: RunEventMessage): string => (e.seconds !== undefined ? ` in ${e.seconds.toFixed(2)}s` : '');

export function logLine(e: RunEventMessage): LogLine {
  if (e.kind === 'phase') return { level: 'info', text: e.message ?? '' };
  const progress = `${e.index} of ${e.total}`;
  if (e.kind === 'start') return { level: 'info', text: padded(`${progress} START ${described(e)}`, '[RUN]') };
  const status = e.status ?? 'unknown';
  const what = described(e);
  const where = shortRelation(e.relation) ?? e.name ?? '';
  const rows = e.rows !== undefined ? `SELECT ${e.rows}` : 'OK';
  switch (status) {
    case 'success':
      if (e.resourceType === 'seed') return { level: 'info', text: padded(`${progress} OK loaded seed file ${where}`, `[INSERT ${e.rows ?? 0}${secs(e)}]`) };
      if (e.resourceType === 'snapshot') return { level: 'info', text: padded(`${progress} OK snapshotted ${where}`, `[${rows}${secs(e)}]`) };
      return { level: 'info', text: padded(`${progress} OK created ${what}`, `[${rows}${secs(e)}]`) };
    case 'pass':
      return { level: 'info', text: padded(`${progress} PASS ${e.name ?? ''}`, `[PASS${secs(e)}]`) };
    case 'warn':
      return { level: 'warn', text: padded(`${progress} WARN ${e.failures ?? ''} ${e.name ?? ''}`.replace('  ', ' '), `[WARN ${e.failures ?? ''}${secs(e)}]`), ...(e.message ? { detail: e.message } : {}) };
    case 'fail':
      return { level: 'error', text: padded(`${progress} FAIL ${e.failures ?? ''} ${e.name ?? ''}`.replace('  ', ' '), `[FAIL ${e.failures ?? ''}${secs(e)}]`), ...(e.message ? { detail: e.message } : {}) };
    case 'error': {
      const test = e.resourceType === 'test' || e.resourceType === 'unit_test';
      return { level: 'error', text: padded(`${progress} ERROR ${test ? (e.name ?? '') : `creating ${what}`}`, `[ERROR${secs(e)}]`), ...(e.message ? { detail: e.message } : {}) };
    }
    case 'skipped':
      return { level: 'warn', text: padded(`${progress} SKIP ${what}`, '[SKIP]'), ...(e.message ? { detail: e.message } : {}) };
    case 'cancelled':
      return { level: 'warn', text: padded(`${progress} CANCEL ${what}`, '[CANCEL]') };
    default:
      return { level: 'info', text: padded(`${progress} ${status.toUpperCase()} ${what}`, `[${status.toUpperCase()}${secs(e)}]`) };
  }
}

export interface RunCounts {
  ok: number;
  failed: number;
  warned: number;
  skipped: number;
}

export function countResults(results: RunResultMessage['results']): RunCounts {
  const counts: RunCounts = { ok: 0, failed: 0, warned: 0, skipped: 0 };
  for (const r of results) {
    if (r.status === 'success' || r.status === 'pass') counts.ok++;
    else if (r.status === 'error' || r.status === 'fail') counts.failed++;
    else if (r.status === 'warn') counts.warned++;
    else counts.skipped++;
  }
  return counts;
}

/**
 * What a finished run request amounts to for the person. A run cancelled before any node ran (while it
 * waited for another run, say) is their own doing: neither an error nor a new last run.
 */
export function runOutcome(result: RunResultMessage): 'cancelled-before-start' | 'fatal' | 'nothing-selected' | 'ran' {
  if (result.cancelled && result.results.length === 0) return 'cancelled-before-start';
  if (result.fatal) return 'fatal';
  return result.results.length === 0 ? 'nothing-selected' : 'ran';
}

/** The status bar after a run: counts, or what stopped it. */
export function statusText(result: RunResultMessage): string {
  if (result.fatal) return `${result.target}: run failed`;
  if (result.results.length === 0) return `${result.target}: nothing selected`;
  const c = countResults(result.results);
  const parts = [`${c.ok} ok`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.warned) parts.push(`${c.warned} warned`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return `${result.target}: ${parts.join(' · ')}${result.cancelled ? ' (cancelled)' : ''}`;
}

/** dbt's closing line: `Done. PASS=5 WARN=0 ERROR=1 SKIP=2 TOTAL=8`. */
export function doneLine(result: RunResultMessage): string {
  const c = countResults(result.results);
  return `Done in ${result.elapsedSeconds.toFixed(2)}s. PASS=${c.ok} WARN=${c.warned} ERROR=${c.failed} SKIP=${c.skipped} TOTAL=${result.results.length}`;
}

export interface RestoredStatus {
  id: string;
  status: string;
  message?: string;
  at?: Date;
}

/** Statuses from a run_results.json text (dbt's artifact schema); nothing for text that is not one. */
export function statusesFromRunResults(text: string): RestoredStatus[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const results = (json as { results?: unknown })?.results;
  if (!Array.isArray(results)) return [];
  const generated = (json as { metadata?: { generated_at?: unknown } }).metadata?.generated_at;
  const at = typeof generated === 'string' && !Number.isNaN(Date.parse(generated)) ? new Date(generated) : undefined;
  const out: RestoredStatus[] = [];
  for (const r of results as Array<Record<string, unknown>>) {
    if (typeof r?.unique_id !== 'string' || typeof r.status !== 'string') continue;
    out.push({ id: r.unique_id, status: r.status, ...(typeof r.message === 'string' && r.message ? { message: r.message } : {}), ...(at ? { at } : {}) });
  }
  return out;
}
