/**
 * The language server's one state object: the workspace (projects, their analysis versions, open
 * buffers), the documents, trust, the column features, the engines shared per database file and
 * the run queue of each project. Handler modules receive it and stay thin functions of it and
 * their params. Publishing diagnostics lives here too: every handler that changes a project
 * schedules its re-publication.
 */
import { CancellationToken, LSPErrorCodes, ResponseError, TextDocuments, type Connection, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { joinPath, normalizePath } from '../core/host';
import { EngineRegistry } from '../runner/engine-registry';
import { ColumnFeatures } from './columns';
import { Lines, pathToUri, toDiagnostic, uriToPath } from './convert';
import { IndexStore } from './index-store';
import { AnalysisCompleteNotification, AnalysisStartedNotification, ColumnsCompleteNotification, IndexServedNotification, type AnalysisComplete, type AnalysisStarted, type IndexServed } from './protocol';
import { RunQueue } from './run-queue';
import { LoadStopped, Workspace, type ProjectState } from './workspace';

/** Background work waits until no document was edited for this long (the user paused typing). */
const TYPING_MS = 150;

/** How long `shutdown` waits for background work and engines to close before it answers anyway. */
const SHUTDOWN_WAIT_MS = 1500;

export const UNTRUSTED = 'Medallion does not compile, run, preview or upload in an untrusted workspace';

/** A document position resolved to its project. */
export interface Where {
  project: ProjectState;
  /** Relative to the project root. */
  file: string;
  /** Absolute, normalized. */
  path: string;
}

export class ServerState {
  readonly env = process.env as Record<string, string | undefined>;
  readonly workspace = new Workspace(this.env);
  readonly documents = new TextDocuments(TextDocument);
  readonly lines = new Lines(this.workspace.host);
  /** One DuckDB instance per database file, shared by runs and previews, held only while they need it. */
  readonly engines = new EngineRegistry();
  private readonly queues = new Map<string, RunQueue>();
  /** False in an untrusted workspace: nothing renders project templates, runs, previews or uploads. */
  trusted = true;
  /** Column model (types, column completion, the engine binder's diagnostics); its new versions republish the files they change. */
  readonly columns: ColumnFeatures;
  /** What each file was last sent, per project root: only changes go out, and fixed files get cleared. */
  private readonly published = new Map<string, Map<string, string>>();
  private readonly pending = new Set<ProjectState>();
  private scheduled = false;
  private readonly renderingNow = new Set<ProjectState>();
  /** Aborted by `shutdown`: runs and previews are interrupted, background work stops. */
  private readonly stopping = new AbortController();
  /** Each project's persisted index: its diagnostics before the first load, rewritten after loads and edits. */
  readonly index: IndexStore;

  /**
   * `stopRequested`: true once the transport saw a `shutdown` or `exit` that the main thread has
   * not processed yet (stdio-watch.ts); a load in progress then stops at its next file read.
   */
  constructor(
    readonly connection: Connection,
    stopRequested?: () => boolean,
  ) {
    this.workspace.stopRequested = stopRequested ? () => this.closing || stopRequested() : () => this.closing;
    this.columns = new ColumnFeatures(
      this.env,
      this.lines,
      (project, files) => {
        for (const f of files ?? []) (project as ProjectState).dirty?.add(f);
        this.schedule(project as ProjectState);
      },
      (message) => connection.console.info(message),
      (done) => void connection.sendNotification(ColumnsCompleteNotification, done),
      () => this.publishing(),
    );
    this.index = new IndexStore(this.lines, (message) => connection.console.info(message), () => this.trusted);
  }

  /** The column features, only in a trusted workspace (they render templates and bind SQL). */
  get trustedColumns(): ColumnFeatures | undefined {
    return this.trusted ? this.columns : undefined;
  }

  /** The run queue of a key (a project root, a database file): one run at a time per key. */
  runQueue(key: string): RunQueue {
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = new RunQueue()));
    return queue;
  }

  at(uri: string): Where | undefined {
    const path = normalizePath(uriToPath(uri));
    const project = this.workspace.projectFor(path);
    const file = project?.relative(path);
    if (!project || !file) return undefined;
    // First touch of a project: its diagnostics go out once it is analysed.
    if (!project.loaded) this.schedule(project);
    return { project, file, path };
  }

  textOf(path: string): string {
    const r = this.workspace.host.read(path);
    return r.kind === 'text' ? r.text : '';
  }

  /** True once `shutdown` arrived: nothing new is started. */
  get closing(): boolean {
    return this.stopping.signal.aborted;
  }

  /** A request's abort signal: aborted when the client cancels it or when the server shuts down. */
  cancellation(token: CancellationToken): { signal: AbortSignal; abort: () => void } {
    const own = new AbortController();
    token.onCancellationRequested(() => own.abort());
    return { signal: AbortSignal.any([own.signal, this.stopping.signal]), abort: () => own.abort() };
  }

  /**
   * The LSP `shutdown`: stops background work (analysis, macro re-render slices, the column model
   * at its next node), interrupts runs and previews, then waits for the column binders and every
   * shared DuckDB instance to close (each closes after its statement ends: no half-written
   * database). `also` are the handler modules' own resources (the warehouse syntax checkers).
   */
  async shutdown(also: Array<Promise<void>> = []): Promise<void> {
    this.stopping.abort();
    this.pending.clear();
    try {
      this.index.flush();
    } catch (err) {
      this.connection.console.error(`writing the index failed: ${(err as Error).stack ?? String(err)}`);
    }
    this.index.dispose();
    const closed = Promise.all([...also, this.columns.close(), this.engines.idle()]).then(() => true);
    // Bounded: the VS Code client gives up after 2 s and then never sends `exit` (a lingering process).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_WAIT_MS)));
    const done = await Promise.race([closed, late]).finally(() => clearTimeout(timer));
    if (!done) this.connection.console.warn(`shutdown: still closing after ${SHUTDOWN_WAIT_MS} ms (open database files: ${this.engines.openFiles().join(', ') || 'none'}); answering anyway`);
  }

  /**
   * While a publication is scheduled (an edit's diagnostics are not out yet): a promise resolved
   * once it went out; while the user is typing (an edit less than TYPING_MS ago): a promise
   * resolved when that time is over. Background work (the column model) waits on it: edits come
   * first, and its allocations (and the collections they cause) stay out of the keystrokes.
   */
  publishing(): Promise<void> | undefined {
    if (this.scheduled) {
      if (!this.publicationDone) {
        let resolve: () => void = () => undefined;
        const promise = new Promise<void>((r) => (resolve = r));
        this.publicationDone = { promise, resolve };
      }
      return this.publicationDone.promise;
    }
    const quiet = this.lastEdit + TYPING_MS - performance.now();
    if (quiet <= 0 || this.closing) return undefined;
    return new Promise<void>((resolve) => setTimeout(resolve, quiet).unref());
  }

  /** When a document was last edited (performance.now()). */
  private lastEdit = -Infinity;

  /** A document was edited: background work waits until typing pauses (`publishing`). */
  edited(): void {
    this.lastEdit = performance.now();
  }

  private publicationDone: { promise: Promise<void>; resolve: () => void } | undefined;

  /** Coalesces a burst of edits into one re-analysis per project. */
  schedule(project: ProjectState | undefined): void {
    if (!project || this.closing) return;
    this.pending.add(project);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const waiting = this.publicationDone;
      this.publicationDone = undefined;
      // After this turn's writes (queued as the diagnostics were sent).
      if (waiting) setImmediate(waiting.resolve);
      if (this.closing) return;
      const batch = [...this.pending];
      this.pending.clear();
      for (const p of batch) {
        try {
          if (!p.loaded && this.serveIndex(p)) continue;
          if (!p.loaded && this.announce(p)) continue;
          this.publish(p);
        } catch (err) {
          if (err instanceof LoadStopped) this.connection.console.info(`load of ${p.root} stopped: the client is shutting down`);
          else this.connection.console.error(`analysis of ${p.root} failed: ${(err as Error).stack ?? String(err)}`);
        }
      }
    });
  }

  /** Projects whose load was announced (`medallion/analysisStarted`) and not yet published. */
  private readonly announced = new Set<ProjectState>();

  /**
   * Before a project's load (which blocks this thread for a while): `medallion/analysisStarted`
   * goes out, and the load starts once it is on the wire. True when the load was deferred so.
   */
  private announce(project: ProjectState): boolean {
    if (this.announced.has(project)) return false;
    this.announced.add(project);
    const started: AnalysisStarted = { root: project.root };
    void this.connection.sendNotification(AnalysisStartedNotification, started).then(
      () => setImmediate(() => this.schedule(project)),
      () => setImmediate(() => this.schedule(project)),
    );
    return true;
  }

  /**
   * A project's first load in this process, when its persisted index matches every input: the
   * stored diagnostics go out now, and the load (which republishes what differs) starts once they
   * are written to the connection. False when there is no usable index.
   */
  private serveIndex(project: ProjectState): boolean {
    const started = performance.now();
    let stored: Array<[string, string]> | undefined;
    try {
      stored = this.index.lookup(project);
    } catch (err) {
      this.connection.console.error(`reading the index of ${project.root} failed: ${(err as Error).stack ?? String(err)}`);
    }
    if (!stored) return false;
    const files: Array<[string, string, LspDiagnostic[]]> = [];
    let count = 0;
    try {
      for (const [file, json] of stored) {
        const diagnostics = JSON.parse(json) as LspDiagnostic[];
        if (!Array.isArray(diagnostics)) throw new Error(`diagnostics of ${file} are not a list`);
        count += diagnostics.length;
        files.push([file, json, diagnostics]);
      }
    } catch (err) {
      this.connection.console.info(`index of ${project.root} ignored: ${(err as Error).message}`);
      return false;
    }
    const sent: Array<Promise<void>> = [];
    for (const [file, , diagnostics] of files) sent.push(this.connection.sendDiagnostics({ uri: pathToUri(joinPath(project.root, file)), diagnostics }));
    // What the load publishes next is compared with this: only differences go out.
    this.published.set(project.root, new Map(files.map(([file, json]) => [file, json])));
    const served: IndexServed = { root: project.root, files: files.length, diagnostics: count, millis: performance.now() - started };
    sent.push(this.connection.sendNotification(IndexServedNotification, served));
    // The load blocks this thread for a while: it starts once everything above is on the wire.
    void Promise.allSettled(sent).then(() => setImmediate(() => this.schedule(project)));
    return true;
  }

  private publish(project: ProjectState): void {
    const started = performance.now();
    const analysis = project.get();
    this.announced.delete(project);
    const byFile = new Map<string, LspDiagnostic[]>();
    for (const d of [...analysis.diagnostics, ...[...project.engineProblems.values()].flat(), ...(this.trustedColumns?.problems(project) ?? [])]) {
      if (project.dirty && !project.dirty.has(d.file)) continue;
      // The analysis holds the text it read (overlay or disk): position with it, read nothing again.
      const text = analysis.project.files.get(d.file)?.text;
      const list = byFile.get(d.file) ?? [];
      list.push(toDiagnostic(this.lines, project.root, d, text));
      byFile.set(d.file, list);
    }
    const before = this.published.get(project.root) ?? new Map<string, string>();
    const dirty = project.dirty;
    const now = dirty ? new Map(before) : new Map<string, string>();
    for (const [file, diagnostics] of byFile) {
      if (dirty && !dirty.has(file)) continue;
      const key = JSON.stringify(diagnostics);
      now.set(file, key);
      if (before.get(file) !== key) void this.connection.sendDiagnostics({ uri: pathToUri(joinPath(project.root, file)), diagnostics });
    }
    for (const file of before.keys()) {
      if (byFile.has(file) || (dirty && !dirty.has(file))) continue;
      now.delete(file);
      void this.connection.sendDiagnostics({ uri: pathToUri(joinPath(project.root, file)), diagnostics: [] });
    }
    this.published.set(project.root, now);
    project.dirty = new Set();
    if (project.rendering) this.renderInBackground(project);
    this.trustedColumns?.analysed(project, dirty);
    // After a full load, what the first edit would otherwise compute is computed now, while idle.
    if (!dirty) setImmediate(() => project.prepareEdits());
    if (!project.rendering) this.index.analysed(project, !dirty);
    const done: AnalysisComplete = { root: project.root, nodes: analysis.project.nodes.size, diagnostics: analysis.diagnostics.length, millis: performance.now() - started, rendering: project.renderingCount };
    void this.connection.sendNotification(AnalysisCompleteNotification, done);
  }

  /**
   * After a macro edit, the nodes that used the macro are re-rendered in slices between requests
   * (each slice ~15 ms, so edits and questions keep answering); their problems go out when done.
   */
  private renderInBackground(project: ProjectState): void {
    if (this.renderingNow.has(project)) return;
    this.renderingNow.add(project);
    const slice = (): void => {
      if (this.closing) return;
      try {
        if (project.renderPending(15)) {
          setImmediate(slice);
          return;
        }
      } catch (err) {
        this.connection.console.error(`re-rendering after a macro edit failed: ${(err as Error).stack ?? String(err)}`);
        project.invalidate();
      }
      this.renderingNow.delete(project);
      this.schedule(project);
    };
    setImmediate(slice);
  }

  /**
   * A handler as the connection takes it: a request already cancelled when it arrives is not
   * started, and a throwing handler answers with an error while the server stays up.
   */
  guard<P, R>(name: string, handler: (params: P, token: CancellationToken) => R): (params: P, token: CancellationToken) => R | ResponseError<void> {
    return (params: P, token: CancellationToken) => {
      if (token?.isCancellationRequested) return new ResponseError<void>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      try {
        return handler(params, token);
      } catch (err) {
        this.connection.console.error(`${name} failed: ${(err as Error).stack ?? String(err)}`);
        return new ResponseError<void>(-32603, `${name} failed: ${(err as Error).message}`);
      }
    };
  }

  /**
   * The one trust guard: a handler that renders, runs, previews, uploads or installs answers
   * `refuse()` in an untrusted workspace instead of running. Applied where handlers are registered.
   */
  trustedOnly<A extends unknown[], R, S>(refuse: (...args: NoInfer<A>) => S, handler: (...args: A) => R): (...args: A) => R | S {
    return (...args: A) => (this.trusted ? handler(...args) : refuse(...args));
  }
}
