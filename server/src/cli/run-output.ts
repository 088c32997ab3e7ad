/**
 * Terminal rendering of runs: a line when a node starts and when it finishes (dbt's shape, so
 * logs read the same), a live status line of what is running on a TTY, and a summary table.
 */
import type { ProjectNode } from '../core/model';
import type { NodeResult, RunEvent, RunSummary } from '../runner/types';
import { bold, dim, green, red, yellow } from './output';

const tty = process.stdout.isTTY === true;

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function describe(node: Pick<ProjectNode, 'resourceType' | 'name' | 'config'>): string {
  if (node.resourceType === 'test') return `test ${node.name}`;
  if (node.resourceType === 'unit_test') return `unit test ${node.name}`;
  if (node.resourceType === 'seed') return `seed ${node.name}`;
  if (node.resourceType === 'snapshot') return `snapshot ${node.name}`;
  return `${node.config.materialized} model ${node.name}`;
}

const LABELS: Record<NodeResult['status'], [string, (s: string) => string]> = {
  success: ['OK', green],
  pass: ['PASS', green],
  warn: ['WARN', yellow],
  skipped: ['SKIP', yellow],
  'no-op': ['NO-OP', dim],
  fail: ['FAIL', red],
  cancelled: ['CANCELLED', red],
  error: ['ERROR', red],
};

function statusWord(r: NodeResult, width = 0): string {
  const [label, paint] = LABELS[r.status];
  return paint(label.padEnd(width));
}

/** Shortens `text` to `width` by cutting its middle: `silver_orders_…_by_day` keeps both ends readable. */
export function middleEllipsis(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

/** What the rows column says for one result; its meaning differs by kind, so the kind shows in the cell. */
export function rowsCell(r: NodeResult, materialized: string | undefined): string {
  if (r.resourceType === 'test' || r.resourceType === 'unit_test') return r.failures ? `${r.failures} failing` : '';
  if (r.rows === undefined) return '';
  if (r.resourceType === 'snapshot' || materialized === 'incremental') return `+${r.rows}`;
  return String(r.rows);
}

export const ROWS_LEGEND = 'rows: a table\'s or seed\'s row count after the build; +N: rows an incremental model merged or a snapshot added in this run; N failing: a test\'s failing rows';

/** A text progress bar: `[#####-----]`. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export type PrintMode = 'text' | 'quiet' | 'json';

export class RunPrinter {
  private readonly running = new Map<string, string>();
  private readonly materialized = new Map<string, string>();
  private done = 0;
  private total = 0;

  constructor(
    private readonly mode: PrintMode,
    private readonly columns: number | undefined = tty ? process.stdout.columns : undefined,
  ) {}

  onEvent = (e: RunEvent): void => {
    if (this.mode === 'json') return;
    this.clearStatus();
    const quiet = this.mode === 'quiet';
    if (e.kind === 'phase') {
      if (!quiet) process.stdout.write(`${dim(clock())}  ${e.message}\n`);
    } else if (e.kind === 'start') {
      this.total = e.total;
      this.running.set(e.node.uniqueId, e.node.name);
      if (e.node.resourceType === 'model') this.materialized.set(e.node.uniqueId, e.node.config.materialized);
      if (!quiet) process.stdout.write(`${dim(clock())}  ${String(e.index).padStart(String(e.total).length)} of ${e.total} START ${describe(e.node)}\n`);
    } else {
      this.total = e.total;
      this.done++;
      this.running.delete(e.result.uniqueId);
      const r = e.result;
      const failed = r.status === 'error' || r.status === 'fail';
      if (!quiet || failed) {
        const rows = r.rows !== undefined ? ` ${r.rows} rows` : r.failures ? ` ${r.failures} failures` : '';
        const line = `${dim(clock())}  ${String(e.index).padStart(String(e.total).length)} of ${e.total} ${statusWord(r)} ${r.resourceType.replace('_', ' ')} ${r.name}${rows} ${dim(`in ${r.seconds.toFixed(2)}s`)}`;
        process.stdout.write(line + '\n');
      }
      if (failed) {
        const where = r.line ? `${r.file}:${r.line}` : r.file;
        process.stdout.write(`${' '.repeat(10)}${where}: ${r.message.split('\n').join(`\n${' '.repeat(10)}`)}\n`);
      }
    }
    this.drawStatus();
  };

  private statusShown = false;

  /** On a terminal: a progress bar and what is running, redrawn in place under the log lines. */
  private drawStatus(): void {
    if (!tty || this.mode !== 'text' || this.running.size === 0) return;
    const names = [...this.running.values()];
    const status = `${progressBar(this.done, this.total)} ${this.done}/${this.total}  running: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ` +${names.length - 4}` : ''}`;
    process.stdout.write(dim(this.columns ? status.slice(0, this.columns - 1) : status));
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (this.statusShown) process.stdout.write('\r\u001b[2K');
    this.statusShown = false;
  }

  summary(s: RunSummary): void {
    this.clearStatus();
    const count = (status: string): number => s.results.filter((r) => r.status === status).length;
    if (this.mode === 'json') {
      process.stdout.write(JSON.stringify({ command: s.command, target: s.target, elapsed_seconds: s.elapsedSeconds, cancelled: s.cancelled, fatal: s.fatal ?? null, landing: s.landing, results: s.results.map(({ compiledSql: _c, ...r }) => r) }) + '\n');
      return;
    }
    if (s.fatal || s.results.length === 0) return;
    if (this.mode === 'text') process.stdout.write(this.table(s));
    // Landing tables that set bad rows aside (meta.landing.on_bad_rows: reject): counted where they are.
    for (const l of s.landing) {
      if (l.rejected) process.stdout.write(`${yellow('landing')} ${l.source}: ${l.rows ?? '?'} rows loaded, ${l.rejected} bad rows set aside in ${l.rejectsRelation}\n`);
    }
    const parts = [`PASS=${count('success') + count('pass')}`, `WARN=${count('warn')}`, `ERROR=${count('error') + count('fail')}`, `SKIP=${count('skipped')}`];
    if (count('no-op')) parts.push(`NO-OP=${count('no-op')}`);
    if (count('cancelled')) parts.push(`CANCELLED=${count('cancelled')}`);
    process.stdout.write(`\n${s.cancelled ? red('Cancelled. ') : ''}Done in ${s.elapsedSeconds.toFixed(2)}s on target ${s.target}. ${parts.join(' ')} TOTAL=${s.results.length}\n`);
  }

  /** One line per node with its full name (middle-shortened only to fit a terminal), status, rows and time. */
  private table(s: RunSummary): string {
    const kind = (r: NodeResult): string => (r.resourceType === 'model' ? (this.materialized.get(r.uniqueId) ?? 'model') : r.resourceType.replace('_', ' '));
    const rows = s.results.map((r) => ({ r, kind: kind(r), rows: rowsCell(r, this.materialized.get(r.uniqueId)), time: `${r.seconds.toFixed(2)}s` }));
    const kindWidth = Math.max(4, ...rows.map((x) => x.kind.length));
    const rowsWidth = Math.max(4, ...rows.map((x) => x.rows.length));
    const timeWidth = Math.max(4, ...rows.map((x) => x.time.length));
    const rest = 2 + kindWidth + 2 + 9 + 2 + rowsWidth + 2 + timeWidth;
    let nameWidth = Math.max(4, ...rows.map((x) => x.r.name.length));
    if (this.columns && nameWidth + rest > this.columns) nameWidth = Math.max(12, this.columns - rest - 1);
    const line = (name: string, k: string, status: string, n: string, t: string): string => `${name}  ${k.padEnd(kindWidth)}  ${status}  ${n.padStart(rowsWidth)}  ${t.padStart(timeWidth)}\n`;
    let out = `\n${bold(line('node'.padEnd(nameWidth), 'kind', 'status'.padEnd(9), 'rows', 'time').trimEnd())}\n`;
    for (const x of rows) out += line(middleEllipsis(x.r.name, nameWidth).padEnd(nameWidth), x.kind, statusWord(x.r, 9), x.rows, x.time);
    return out + dim(ROWS_LEGEND) + '\n';
  }
}
