/**
 * The persisted index of each project (`<target>/medallion/index-v1.bin`): on a start where no
 * input changed since it was written, its diagnostics go out before the load; the load then
 * republishes from the real analysis (only differences are sent). Written atomically after a
 * load and once edits settle, in trusted workspaces only (untrusted ones read it: it is data).
 * See `core/persisted-index.ts` for the fingerprint and the invariant.
 */
import { joinPath } from '../core/host';
import { decodeIndex, encodeIndex, fingerprintDiffers, INDEX_FORMAT, indexPath, type PersistedIndex } from '../core/persisted-index';
import { buildId, fileToken, hashText, readIndexFile, writeIndexFile } from '../node/index-file';
import { toDiagnostic, type Lines } from './convert';
import type { ProjectState } from './workspace';

/** How long edits must be quiet before the index is rewritten. */
const SETTLE_MS = 2000;
/** After a load, the write (~100 ms at 10k models) waits for the editor's first questions to be answered. */
const AFTER_LOAD_MS = 1000;

export class IndexStore {
  private readonly build = buildId();
  /** Projects whose index was already consulted: only a process's first load of a project can use it. */
  private readonly consulted = new WeakSet<ProjectState>();
  private readonly timers = new Map<ProjectState, NodeJS.Timeout>();
  /** Projects analysed since their index was last written. */
  private readonly unsaved = new Set<ProjectState>();

  constructor(
    private readonly lines: Lines,
    private readonly log: (message: string) => void,
    private readonly trusted: () => boolean,
  ) {}

  private locate(project: ProjectState): string {
    const r = project.host.read(joinPath(project.root, 'dbt_project.yml'));
    return indexPath(project.root, r.kind === 'text' ? r.text : undefined, project.environments().parse.DBT_TARGET_PATH);
  }

  /**
   * The diagnostics stored for this project (relative file → JSON of what was published) when
   * its index matches every input as it is now; undefined otherwise (why goes to the log, unless
   * there simply is no index). Only the first time a project is loaded in this process.
   */
  lookup(project: ProjectState): Array<[string, string]> | undefined {
    if (this.consulted.has(project)) return undefined;
    this.consulted.add(project);
    const path = this.locate(project);
    const read = readIndexFile(path);
    if (read.problem) this.log(`index ${path} ignored: ${read.problem}`);
    if (read.text === undefined) return undefined;
    const decoded = decodeIndex(read.text, project.root);
    if ('problem' in decoded) {
      this.log(`index ${path} ignored: ${decoded.problem}`);
      return undefined;
    }
    const env = project.environments();
    // Open documents are read through the host (their buffer wins); every other file's bytes are hashed as they are.
    const overlays = project.host.overlays;
    const why = fingerprintDiffers(decoded.index.fingerprint, { build: this.build, settings: project.settingsToken(), host: project.host, env, hash: hashText, fileToken: (file) => (overlays.has(file) ? undefined : fileToken(file)) });
    if (why) {
      this.log(`index ${path} ignored: ${why}`);
      return undefined;
    }
    const clock = decoded.index.fingerprint.clock;
    if (clock) this.log(`index ${path} used, though its load read the clock (${clock.join(', ')}): the load that follows corrects what depended on the time`);
    return decoded.index.diagnostics;
  }

  /** A project was (re)analysed: its index is rewritten soon after a load, or once edits settle. */
  analysed(project: ProjectState, fullLoad: boolean): void {
    if (!this.trusted()) return;
    this.unsaved.add(project);
    clearTimeout(this.timers.get(project));
    const timer = setTimeout(() => this.save(project), fullLoad ? AFTER_LOAD_MS : SETTLE_MS);
    timer.unref();
    this.timers.set(project, timer);
  }

  /** Writes the index of every project analysed since its last write (on shutdown: a write per changed project). */
  flush(): void {
    for (const project of [...this.unsaved]) this.save(project);
  }

  private save(project: ProjectState): void {
    clearTimeout(this.timers.get(project));
    this.timers.delete(project);
    if (!this.unsaved.has(project)) return;
    const snapshot = project.snapshot(this.build, hashText);
    if ('why' in snapshot) {
      // Retried at the next publication, which follows whatever made it incomplete.
      if (snapshot.why !== 'not loaded') this.log(`index of ${project.root} not written: ${snapshot.why}`);
      return;
    }
    this.unsaved.delete(project);
    const { analysis, fingerprint, inputs } = snapshot;
    const byFile = new Map<string, unknown[]>();
    for (const d of analysis.diagnostics) {
      // Positions from the text the analysis read, never from the disk as it is now.
      const text = analysis.project.files.get(d.file)?.text ?? inputs.textOf(joinPath(project.root, d.file));
      let list = byFile.get(d.file);
      if (!list) byFile.set(d.file, (list = []));
      list.push(toDiagnostic(this.lines, project.root, d, text));
    }
    const index: PersistedIndex = { format: INDEX_FORMAT, root: project.root, fingerprint, diagnostics: [...byFile].map(([file, list]) => [file, JSON.stringify(list)]) };
    const path = this.locate(project);
    const failed = writeIndexFile(path, encodeIndex(index));
    if (failed) this.log(`index ${path} not written: ${failed}`);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
