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
  fail: ['FAIL', red],
  cancelled: ['CANCELLED', red],
  error: ['ERROR', red],
};

function statusWord(r: NodeResult, width = 0): string {
  const [label, paint] = LABELS[r.status];
  return paint(label.padEnd(width));
}

export class RunPrinter {
  private readonly running = new Map<string, string>();

  constructor(private readonly json: boolean) {}

  onEvent = (e: RunEvent): void => {
    if (this.json) return;
    this.clearStatus();
    if (e.kind === 'phase') process.stdout.write(`${dim(clock())}  ${e.message}\n`);
    else if (e.kind === 'start') {
      this.running.set(e.node.uniqueId, e.node.name);
      process.stdout.write(`${dim(clock())}  ${String(e.index).padStart(String(e.total).length)} of ${e.total} START ${describe(e.node)}\n`);
    } else {
      this.running.delete(e.result.uniqueId);
      const r = e.result;
      const rows = r.rows !== undefined ? ` ${r.rows} rows` : r.failures ? ` ${r.failures} failures` : '';
      const line = `${dim(clock())}  ${String(e.index).padStart(String(e.total).length)} of ${e.total} ${statusWord(r)} ${r.resourceType.replace('_', ' ')} ${r.name}${rows} ${dim(`in ${r.seconds.toFixed(2)}s`)}`;
      process.stdout.write(line + '\n');
      if (r.status === 'error' || r.status === 'fail') {
        const where = r.line ? `${r.file}:${r.line}` : r.file;
        process.stdout.write(`${' '.repeat(10)}${where}: ${r.message.split('\n').join(`\n${' '.repeat(10)}`)}\n`);
      }
    }
    this.drawStatus();
  };

  private statusShown = false;

  private drawStatus(): void {
    if (!tty || this.running.size === 0) return;
    const names = [...this.running.values()];
    process.stdout.write(dim(`  running: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ` +${names.length - 4}` : ''}`));
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (this.statusShown) process.stdout.write('\r\u001b[2K');
    this.statusShown = false;
  }

  summary(s: RunSummary): void {
    this.clearStatus();
    const count = (status: string): number => s.results.filter((r) => r.status === status).length;
    if (this.json) {
      process.stdout.write(JSON.stringify({ command: s.command, target: s.target, elapsed_seconds: s.elapsedSeconds, cancelled: s.cancelled, fatal: s.fatal ?? null, landing: s.landing, results: s.results.map(({ compiledSql: _c, ...r }) => r) }) + '\n');
      return;
    }
    if (s.fatal) {
      process.stdout.write(`${red('error')}: ${s.fatal}\n`);
      return;
    }
    const nameWidth = Math.min(48, Math.max(4, ...s.results.map((r) => r.name.length)));
    process.stdout.write(`\n${bold('node'.padEnd(nameWidth))}  ${bold('type'.padEnd(10))} ${bold('status'.padEnd(9))} ${bold('rows'.padStart(9))} ${bold('seconds'.padStart(8))}\n`);
    for (const r of s.results) {
      const rows = r.rows !== undefined ? String(r.rows) : r.failures !== undefined && r.failures > 0 ? `${r.failures} bad` : '';
      process.stdout.write(`${r.name.slice(0, nameWidth).padEnd(nameWidth)}  ${r.resourceType.padEnd(10)} ${statusWord(r, 9)} ${rows.padStart(9)} ${r.seconds.toFixed(2).padStart(8)}\n`);
    }
    for (const l of s.landing) {
      if (l.rejected) process.stdout.write(`${yellow('landing')} ${l.source}: ${l.rows ?? '?'} rows loaded, ${l.rejected} bad rows set aside in ${l.rejectsRelation}\n`);
    }
    const parts = [`PASS=${count('success') + count('pass')}`, `WARN=${count('warn')}`, `ERROR=${count('error') + count('fail')}`, `SKIP=${count('skipped')}`];
    if (count('cancelled')) parts.push(`CANCELLED=${count('cancelled')}`);
    process.stdout.write(`\n${s.cancelled ? red('Cancelled. ') : ''}Done in ${s.elapsedSeconds.toFixed(2)}s on target ${s.target}. ${parts.join(' ')} TOTAL=${s.results.length}\n`);
  }
}
