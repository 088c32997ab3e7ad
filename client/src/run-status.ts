/**
 * The last run's status of each node, from the run events the server streams
 * (`medallion/runEvent`): `running` from its start, then the runner's own status (success,
 * error, skipped, pass, fail, warn...). The tree view and the lineage view read it.
 */
import * as vscode from 'vscode';
import type { RunEventMessage } from '../../server/src/lsp/protocol';

export interface NodeRunStatus {
  status: string;
  message?: string;
  /** When the status was recorded. */
  at: Date;
  /** Read from target/run_results.json (a run before this session). */
  restored?: boolean;
}

export class RunStatus implements vscode.Disposable {
  private readonly byNode = new Map<string, NodeRunStatus>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires (at most every 150 ms) after statuses changed. */
  readonly onDidChange = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  get(nodeId: string): NodeRunStatus | undefined {
    return this.byNode.get(nodeId);
  }

  /** Status names by node id (for the lineage webview). */
  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.byNode].map(([id, s]) => [id, s.status]));
  }

  record(e: RunEventMessage): void {
    if (!e.nodeId || e.kind === 'phase') return;
    const status = e.kind === 'start' ? 'running' : (e.status ?? 'unknown');
    this.byNode.set(e.nodeId, { status, ...(e.message ? { message: e.message } : {}), at: new Date() });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, 150);
  }

  /** Statuses of a run before this session (target/run_results.json); what this session records wins. */
  restore(entries: Array<{ id: string; status: string; message?: string; at?: Date }>): void {
    let any = false;
    for (const e of entries) {
      const known = this.byNode.get(e.id);
      if (known && !known.restored) continue;
      this.byNode.set(e.id, { status: e.status, ...(e.message ? { message: e.message } : {}), at: e.at ?? new Date(), restored: true });
      any = true;
    }
    if (any) this.changed.fire();
  }

  /** Nodes still marked running when a run ended (cancelled, or a fatal error) are no longer running. */
  settle(): void {
    let any = false;
    for (const [id, s] of this.byNode) {
      if (s.status === 'running') {
        this.byNode.set(id, { status: 'cancelled', at: new Date() });
        any = true;
      }
    }
    if (any) this.changed.fire();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
