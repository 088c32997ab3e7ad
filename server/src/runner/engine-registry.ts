/**
 * One engine per DuckDB database file per process. Two DuckDB instances on one file in one
 * process both open without error and lose each other's writes, so every user in a long-lived
 * process (the language server: runs, previews) gets its engine here: the first user opens the
 * file, later ones share that instance (each with its own sessions), the last one to release it
 * closes it, so the file is held only while something needs it and a `medallion build` in a
 * terminal can take it otherwise. Previews alone open the file read-only; a run needs it writable
 * and waits for read-only users to finish (previews are short), and previews arriving meanwhile
 * wait with it, so a run is never starved. Other targets (Databricks, `:memory:`) are not shared.
 */
import { existsSync } from 'node:fs';
import type { Target } from '../core/profiles';
import { duckDbPath } from '../engines/duckdb/engine';
import type { Engine, EngineSession, LandingFiles, MaterializeRequest } from '../engines/engine';
import type { Relation } from '../core/compiler';
import { openEngine } from './project-run';

/** The database file a target's engine is shared by (DuckDB files); undefined for targets not shared (Databricks, `:memory:`). */
export function sharedDatabaseFile(target: Target, projectRoot: string): string | undefined {
  if (target.type !== 'duckdb') return undefined;
  const path = duckDbPath(target, projectRoot);
  return path === ':memory:' ? undefined : path;
}

/** What the engine is for: a run writes, a preview only reads. */
export type EngineUse = 'run' | 'preview';

interface SharedEngine {
  engine: Promise<Engine>;
  writable: boolean;
  users: number;
  /** Set while a run waits for this read-only instance to close. */
  writerWaiting: boolean;
  closing: boolean;
  closed: Promise<void>;
  markClosed: () => void;
}

export type EngineOpener = (target: Target, projectRoot: string, env: Record<string, string | undefined>, options?: { readOnly?: boolean }) => Promise<Engine>;

export class EngineRegistry {
  private readonly shared = new Map<string, SharedEngine>();

  constructor(private readonly open: EngineOpener = openEngine) {}

  /** Database files open right now (tests, diagnostics). */
  openFiles(): string[] {
    return [...this.shared.keys()];
  }

  /** Resolves once every shared instance has closed (its last user released it): the server's shutdown waits for it. */
  async idle(): Promise<void> {
    while (this.shared.size > 0) await Promise.all([...this.shared.values()].map((e) => e.closed));
  }

  /** An engine for the target; its `close()` releases this use (the instance closes with its last user). */
  async acquire(target: Target, projectRoot: string, env: Record<string, string | undefined>, use: EngineUse): Promise<Engine> {
    const path = sharedDatabaseFile(target, projectRoot);
    if (path === undefined) return this.open(target, projectRoot, env);
    for (;;) {
      const current = this.shared.get(path);
      if (current && !current.closing && (current.writable || (use === 'preview' && !current.writerWaiting))) return this.lease(path, current);
      if (current) {
        if (use === 'run' && !current.writable) current.writerWaiting = true;
        await current.closed;
        continue;
      }
      // A preview of a database no run has created yet opens it writable (creating it), as before.
      const writable = use === 'run' || !existsSync(path);
      let markClosed!: () => void;
      const closed = new Promise<void>((resolve) => (markClosed = resolve));
      const entry: SharedEngine = { engine: this.open(target, projectRoot, env, { readOnly: !writable }), writable, users: 0, writerWaiting: false, closing: false, closed, markClosed };
      this.shared.set(path, entry);
      return this.lease(path, entry);
    }
  }

  private async lease(path: string, entry: SharedEngine): Promise<Engine> {
    entry.users++;
    let engine: Engine;
    try {
      engine = await entry.engine;
    } catch (err) {
      entry.users--;
      if (this.shared.get(path) === entry) this.shared.delete(path);
      entry.markClosed();
      throw err;
    }
    return new EngineLease(engine, () => this.release(path, entry));
  }

  private async release(path: string, entry: SharedEngine): Promise<void> {
    entry.users--;
    if (entry.users > 0) return;
    entry.closing = true;
    try {
      await (await entry.engine).close();
    } finally {
      if (this.shared.get(path) === entry) this.shared.delete(path);
      entry.markClosed();
    }
  }
}

/** One user's view of a shared engine: its own sessions, its own cancel, a close that releases. */
class EngineLease implements Engine {
  private readonly sessions = new Set<EngineSession>();
  private released = false;

  constructor(
    private readonly shared: Engine,
    private readonly onClose: () => Promise<void>,
  ) {}

  get type(): string {
    return this.shared.type;
  }

  get dialect(): Engine['dialect'] {
    return this.shared.dialect;
  }

  get landingAccess(): Engine['landingAccess'] {
    return this.shared.landingAccess;
  }

  createLanding(session: EngineSession, relation: Relation, files: LandingFiles, signal?: AbortSignal): ReturnType<Engine['createLanding']> {
    return this.shared.createLanding(session, relation, files, signal);
  }

  async acquire(signal?: AbortSignal): Promise<EngineSession> {
    if (this.released) throw new Error('The engine was released');
    const session = await this.shared.acquire(signal);
    this.sessions.add(session);
    return session;
  }

  release(session: EngineSession): void {
    if (!this.sessions.delete(session)) return;
    this.shared.release(session);
  }

  materialize(session: EngineSession, request: MaterializeRequest): ReturnType<Engine['materialize']> {
    return this.shared.materialize(session, request);
  }

  ensureSchema(session: EngineSession, database: string | undefined, schema: string, signal?: AbortSignal): Promise<void> {
    return this.shared.ensureSchema(session, database, schema, signal);
  }

  describeQuery(session: EngineSession, sql: string, signal?: AbortSignal): ReturnType<Engine['describeQuery']> {
    return this.shared.describeQuery(session, sql, signal);
  }

  /** Interrupts only this user's statements: a cancelled run does not cancel a preview beside it. */
  cancelAll(): void {
    for (const session of this.sessions) session.interrupt?.();
  }

  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const session of this.sessions) this.shared.release(session);
    this.sessions.clear();
    await this.onClose();
  }
}
