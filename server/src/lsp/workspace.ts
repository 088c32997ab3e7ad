/**
 * The language server's state: the dbt projects in the workspace (several, nested, found on
 * disk, analysed lazily when first touched), open documents overlaid on the file system, and
 * one Analysis per project rebuilt from cached scans when its files change.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeProject, type Analysis } from '../core/analysis';
import { Compiler, TemplateCache } from '../core/compiler';
import { prepareQueries } from '../core/ide';
import { normalizePath, relativePath, type FileHost, type ReadResult } from '../core/host';
import { nextVersion, prepareIncremental, reparseNodes, updateMacroText, updateModelText } from '../core/incremental';
import { ScanCache } from '../core/loader';
import type { LayerOptions } from '../core/graph';
import type { Diagnostic } from '../core/diagnostics';
import { InputRecorder, type Fingerprint, type Hash } from '../core/persisted-index';
import { createCompiler, defaultProfilesDirs, resolveTarget } from '../core/session';
import { NodeFileHost } from '../node/fs-host';
import { systemClock } from '../node/clock';

/** Open editor buffers win over the disk. */
export class OverlayHost implements FileHost {
  readonly overlays = new Map<string, string>();
  private readonly disk = new NodeFileHost();

  read(path: string): ReadResult {
    const text = this.overlays.get(normalizePath(path));
    return text !== undefined ? { kind: 'text', text } : this.disk.read(path);
  }

  list(dir: string): string[] {
    const listed = this.disk.list(dir);
    const prefix = normalizePath(dir) + '/';
    const open: string[] = [];
    for (const path of this.overlays.keys()) if (path.startsWith(prefix)) open.push(path);
    // Open documents are usually on disk too: then the disk's sorted listing is the answer as is.
    const onDisk = (path: string): boolean => {
      let lo = 0;
      let hi = listed.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (listed[mid]! < path) lo = mid + 1;
        else hi = mid;
      }
      return listed[lo] === path;
    };
    if (open.every(onDisk)) return listed;
    return [...new Set([...listed, ...open])].sort();
  }

  /** Where a folder physically is: paths leaving a package (`../shared`) start there, as in the CLI. */
  realPath(path: string): string {
    return this.disk.realPath(path);
  }
}

/** Thrown by a load's host once the client asked to shut down: the load is abandoned, nothing is kept. */
export class LoadStopped extends Error {
  constructor() {
    super('the load was stopped: the client is shutting down');
  }
}

/**
 * The host a load reads through: `stop()` is asked at every read and listing, and a true answer
 * abandons the load by throwing `LoadStopped` (the only way into a synchronous load that takes
 * seconds; `FileHost` never throws otherwise). Forwards the optional methods only where the host has them.
 */
export function stoppableHost(host: FileHost, stop: () => boolean): FileHost {
  const check = (): void => {
    if (stop()) throw new LoadStopped();
  };
  const stoppable: FileHost = {
    read: (path) => (check(), host.read(path)),
    list: (dir) => (check(), host.list(dir)),
  };
  if (host.listLevel) stoppable.listLevel = (dir) => (check(), host.listLevel!(dir));
  if (host.realPath) stoppable.realPath = (path) => (check(), host.realPath!(path));
  if (host.readBytes) stoppable.readBytes = (path) => (check(), host.readBytes!(path));
  return stoppable;
}

/** What parse time may read: the environment for env_var only in a trusted workspace. */
export interface ParseSettings {
  env: Record<string, string | undefined>;
  trusted: boolean;
}

export class ProjectState {
  private analysis: Analysis | undefined;
  /** What the current analysis read (files, folders, environment): the persisted index's key. */
  private inputs: InputRecorder | undefined;
  /** Nodes whose render used a macro that was edited, still to re-render (in slices, between requests). */
  private pendingRenders: string[] = [];
  private compiler: Compiler | undefined;
  private readonly scans = new ScanCache();
  private readonly templates = new TemplateCache();
  /** Bumped on every change; lets callers tell whether a result is current. */
  version = 0;
  /** Files whose problems may have changed since the last publication; undefined means all. */
  dirty: Set<string> | undefined;
  /** Problems the engine found in a file's compiled SQL on save; dropped when the file changes. */
  readonly engineProblems = new Map<string, Diagnostic[]>();

  constructor(
    readonly root: string,
    readonly host: OverlayHost,
    private readonly env: Record<string, string | undefined>,
    private readonly settings: ParseSettings = { env, trusted: true },
    /** True once the client asked to shut down: a load in progress stops (`stoppableHost`). */
    private readonly stopRequested: () => boolean = () => false,
  ) {}

  /** Layer names and rules (editor settings); the defaults when unset. */
  layers: LayerOptions | undefined;

  /** Analysis versions runs hold (with how many runs hold each): never changed while held. */
  private readonly pinned = new Map<Analysis, number>();

  /**
   * The current analysis, held unchanged until `release` (a run compiles from it from start to
   * end). Nodes still waiting to be re-rendered after a macro edit are rendered first: a run
   * starts from a complete version. While it is held, an edit makes a new version that shares
   * everything unchanged with it (`nextVersion`); edits after that one change the new version.
   */
  pin(): { analysis: Analysis; release: () => void } {
    while (this.renderPending(Infinity));
    const analysis = this.get();
    this.pinned.set(analysis, (this.pinned.get(analysis) ?? 0) + 1);
    let released = false;
    return {
      analysis,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.pinned.get(analysis) ?? 1) - 1;
        if (left > 0) this.pinned.set(analysis, left);
        else this.pinned.delete(analysis);
      },
    };
  }

  /** The version an edit applies to: the current one, or a new one sharing it when a run holds it. */
  private editable(): Analysis | undefined {
    if (this.analysis && this.pinned.has(this.analysis)) this.analysis = nextVersion(this.analysis);
    return this.analysis;
  }

  get(): Analysis {
    if (this.analysis) return this.analysis;
    // Every read goes through a recorder: what it saw is the fingerprint the persisted index is keyed by.
    const inputs = new InputRecorder(stoppableHost(this.host, this.stopRequested));
    const environments = this.environments();
    this.analysis = analyzeProject(inputs, this.root, {
      cache: this.scans,
      // One run_started_at per load (an edit's render reads the load's); its reads are recorded too.
      clock: inputs.clock(systemClock()),
      env: inputs.environment('parse', environments.parse),
      profilesDirs: defaultProfilesDirs(this.root, inputs.environment('process', environments.process)),
      ...(this.layers ? { layers: this.layers } : {}),
    });
    this.inputs = inputs;
    return this.analysis;
  }

  /** The environments a load reads: an untrusted workspace renders too (parse time does no I/O), but env_var answers its default. */
  environments(): { parse: Record<string, string | undefined>; process: Record<string, string | undefined> } {
    return { parse: this.settings.trusted ? this.settings.env : {}, process: this.env };
  }

  /**
   * The settings an analysis depends on besides its inputs, as one token. Trust is not one: what
   * it changes is the environment the render reads (`environments`), whose reads are recorded.
   */
  settingsToken(): string {
    return JSON.stringify({ layers: this.layers ?? null });
  }

  /**
   * The current analysis with the fingerprint of everything it read, when it is complete and
   * its inputs were stable; else why not (nothing loaded, nodes still to re-render, a file that
   * changed while it was read).
   */
  snapshot(build: string, hash: Hash): { analysis: Analysis; fingerprint: Fingerprint; inputs: InputRecorder } | { why: string } {
    if (!this.analysis || !this.inputs) return { why: 'not loaded' };
    if (this.pendingRenders.length > 0) return { why: 'nodes are still being re-rendered' };
    if (this.inputs.unstable) return { why: this.inputs.unstable };
    return { analysis: this.analysis, fingerprint: this.inputs.fingerprint(build, this.settingsToken(), hash), inputs: this.inputs };
  }

  private readonly perTarget = new Map<string, Compiler>();

  /** Profile targets of this project (for hover's relation per target). */
  targets(): string[] {
    return resolveTarget(this.host, this.get(), { env: this.env, profilesDirs: defaultProfilesDirs(this.root, this.env) }).targets;
  }

  /**
   * A document's new text: applied in place when it is a model edit the core can take
   * incrementally (no reload), else the project is reloaded on next use.
   */
  edit(path: string, text: string): void {
    const file = this.relative(path);
    if (file) this.engineProblems.delete(file);
    const changed = new Set<string>();
    const analysis = file && file.endsWith('.sql') ? this.editable() : undefined;
    if (analysis && file) {
      let applied = updateModelText(analysis, file, text, this.scans, changed);
      if (!applied) {
        // A macro edit keeping its macro names: the nodes that used them are re-rendered in the background.
        const affected = updateMacroText(analysis, file, text, this.scans, changed);
        if (affected) {
          this.pendingRenders = [...new Set([...this.pendingRenders, ...affected])];
          applied = true;
        }
      }
      if (applied) {
        this.inputs?.edited(normalizePath(path), text);
        this.compiler = undefined;
        this.perTarget.clear();
        this.version++;
        // An incremental edit changes only that file's problems (and those of cycles through it).
        if (this.dirty) for (const f of changed) this.dirty.add(f);
        return;
      }
    }
    this.invalidate();
  }

  /** Whether nodes are waiting to be re-rendered after a macro edit. */
  get rendering(): boolean {
    return this.analysis !== undefined && this.pendingRenders.length > 0;
  }

  /** How many nodes are waiting to be re-rendered after a macro edit. */
  get renderingCount(): number {
    return this.analysis ? this.pendingRenders.length : 0;
  }

  /**
   * Re-renders nodes a macro edit touched for about `budgetMs`; true while more remain. A newer
   * edit of the macro restarts the list (work for the older text is dropped), a reload drops it.
   */
  renderPending(budgetMs: number): boolean {
    if (!this.analysis || this.pendingRenders.length === 0) return false;
    const analysis = this.editable()!;
    const started = performance.now();
    const changed = new Set<string>();
    const left = reparseNodes(analysis, this.pendingRenders, this.scans, () => performance.now() - started > budgetMs, changed);
    if (left === undefined) {
      this.invalidate();
      return false;
    }
    this.pendingRenders = left;
    this.compiler = undefined;
    this.perTarget.clear();
    this.version++;
    if (this.dirty) for (const f of changed) this.dirty.add(f);
    return left.length > 0;
  }

  /** Idle-time work that keeps the first edit and the first references after a load as fast as the others. */
  prepareEdits(): void {
    if (!this.analysis) return;
    prepareIncremental(this.analysis);
    prepareQueries(this.analysis);
  }

  invalidate(): void {
    this.dirty = undefined;
    this.analysis = undefined;
    this.inputs = undefined;
    this.pendingRenders = [];
    this.compiler = undefined;
    this.perTarget.clear();
    this.version++;
  }

  get loaded(): boolean {
    return this.analysis !== undefined;
  }

  compilerFor(target?: string): Compiler {
    if (target) {
      let compiler = this.perTarget.get(target);
      if (!compiler) {
        compiler = createCompiler(this.host, this.get(), { env: this.env, profilesDirs: defaultProfilesDirs(this.root, this.env), templates: this.templates, target, clock: systemClock() }).compiler;
        this.perTarget.set(target, compiler);
      }
      return compiler;
    }
    if (!this.compiler) {
      const { compiler } = createCompiler(this.host, this.get(), {
        env: this.env,
        profilesDirs: defaultProfilesDirs(this.root, this.env),
        templates: this.templates,
        clock: systemClock(),
      });
      this.compiler = compiler;
    }
    return this.compiler;
  }

  /** Path of a file relative to this project, or undefined when outside it. */
  relative(path: string): string | undefined {
    const p = normalizePath(path);
    return p.startsWith(this.root + '/') ? relativePath(this.root, p) : undefined;
  }
}

const SKIP = new Set(['node_modules', '.git', 'target', 'dbt_packages', 'logs', '.venv', '.cache']);

/** dbt projects under a folder (nested ones included), up to a sane depth. */
export function discoverProjects(folder: string, maxDepth = 6): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (existsSync(join(dir, 'dbt_project.yml'))) found.push(normalizePath(dir));
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
  };
  walk(folder, 0);
  return found;
}

export class Workspace {
  readonly host = new OverlayHost();
  private readonly projects = new Map<string, ProjectState>();
  layers: LayerOptions | undefined;
  /** Set from the client at initialize: an untrusted workspace parses without the environment. */
  readonly settings: ParseSettings;

  constructor(private readonly env: Record<string, string | undefined>) {
    this.settings = { env, trusted: true };
  }

  /** Set by the server: true once the client asked to shut down (a load in progress stops). */
  stopRequested: () => boolean = () => false;

  private create(root: string): ProjectState {
    const project = new ProjectState(root, this.host, this.env, this.settings, () => this.stopRequested());
    project.layers = this.layers;
    return project;
  }

  addFolder(folder: string): void {
    for (const root of discoverProjects(folder)) if (!this.projects.has(root)) this.projects.set(root, this.create(root));
  }

  all(): ProjectState[] {
    return [...this.projects.values()];
  }

  /** The innermost project containing a file. */
  projectFor(path: string): ProjectState | undefined {
    const p = normalizePath(path);
    let best: ProjectState | undefined;
    for (const project of this.projects.values()) {
      if (p.startsWith(project.root + '/') && (!best || project.root.length > best.root.length)) best = project;
    }
    return best;
  }

  /** An open document's text changed (the overlay is already set). */
  documentEdited(path: string, text: string): ProjectState | undefined {
    const project = this.projectFor(path);
    if (!project || normalizePath(path).endsWith('/dbt_project.yml')) return this.fileChanged(path);
    project.edit(normalizePath(path), text);
    return project;
  }

  /** A file changed on disk or in an editor: its project (and any new project) is refreshed. */
  fileChanged(path: string): ProjectState | undefined {
    const p = normalizePath(path);
    if (p.endsWith('/dbt_project.yml')) {
      const root = p.slice(0, -'/dbt_project.yml'.length);
      if (!this.projects.has(root) && existsSync(p)) this.projects.set(root, this.create(root));
      if (!existsSync(p) && !this.host.overlays.has(p)) this.projects.delete(root);
    }
    const project = this.projectFor(p);
    project?.invalidate();
    return project;
  }
}
