/**
 * The language server's column features: a column service per project (the column model, kept
 * in the background from each analysis the server publishes), and the handler bodies for hover,
 * completion, signature help, code actions, column rename, diagnostics and column lineage.
 * DuckDB targets are checked as you type (in process); Databricks targets on save, and only
 * when `DESCRIBE QUERY` is opted in. Only the target engine's binder underlines anything.
 */
import { CodeActionKind, ResponseError, type CodeAction, type Diagnostic as LspDiagnostic, type Range, type WorkspaceEdit } from 'vscode-languageserver/node';
import { openColumnService } from '../columns/open';
import type { ColumnService } from '../columns/service';
import type { Analysis } from '../core/analysis';
import { columnCompletionsAt, columnHoverAt, entryAt, macroSignatureAt, type SignatureHelp } from '../core/columns/ide';
import type { ColumnModel, OutputColumn } from '../core/columns/model';
import { expandStarEdits, outputColumnAt, renameColumn } from '../core/columns/refactor';
import { addMissingColumnsEdit, type FileEdit } from '../core/columns/yml';
import type { Compiler } from '../core/compiler';
import { isContractEnforced, projectContractProblems } from '../core/contracts';
import type { Diagnostic } from '../core/diagnostics';
import { joinPath } from '../core/host';
import type { CompletionItem } from '../core/ide';
import type { ProjectNode } from '../core/model';
import type { Span } from '../core/text';
import { pathToUri, type Lines } from './convert';
import type { ColumnsComplete, LineageColumnEdge, LineageColumnInfo } from './protocol';

/** What the column features need of a project's state (the server's ProjectState has it). */
export interface ColumnProject {
  readonly root: string;
  readonly version: number;
  get(): Analysis;
  compilerFor(): Compiler;
}

interface ProjectColumns {
  key: string;
  service: Promise<ColumnService | undefined>;
  /** Set once the service is open. */
  open?: ColumnService;
  submitted: number;
}

export class ColumnFeatures {
  private readonly projects = new Map<string, ProjectColumns>();
  private closed = false;

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly lines: Lines,
    /** A new column-model version changed these files' problems (undefined: any file). */
    private readonly onProblems: (project: ColumnProject, files: Set<string> | undefined) => void,
    private readonly log: (message: string) => void,
    private readonly notify: (message: ColumnsComplete) => void = () => undefined,
    /** While the server has more urgent work (an edit to publish): a promise the column model waits for before its next node. */
    private readonly urgent: () => Promise<void> | undefined = () => undefined,
  ) {}

  private state(project: ColumnProject): ProjectColumns | undefined {
    if (this.closed) return undefined;
    let compiler: Compiler;
    try {
      compiler = project.compilerFor();
    } catch {
      return undefined;
    }
    const target = compiler.options.target;
    const key = `${target.type}\u0000${target.name}\u0000${target.database}`;
    let state = this.projects.get(project.root);
    if (state && state.key !== key) {
      void state.service.then((s) => s?.close());
      state = undefined;
    }
    if (!state) {
      const created: ProjectColumns = { key, service: Promise.resolve(undefined), submitted: -1 };
      created.service = openColumnService(target, { projectRoot: project.root, env: this.env })
        .then((s) => {
          s.onVersion = (model, millis) => this.published(project, model, millis);
          s.yieldTo = this.urgent;
          created.open = s;
          return s;
        })
        .catch((err: Error) => {
          this.log(`Columns are not available for ${project.root}: ${err.message}`);
          return undefined;
        });
      state = created;
      this.projects.set(project.root, state);
    }
    return state;
  }

  private readonly lastProblems = new Map<string, Map<string, string>>();

  private published(project: ColumnProject, model: ColumnModel, millis: number): void {
    const before = this.lastProblems.get(project.root) ?? new Map<string, string>();
    const now = new Map<string, string>();
    for (const [file, list] of model.problemsByFile()) now.set(file, JSON.stringify(list));
    for (const d of this.contractProblems(project, model)) now.set(d.file, `${now.get(d.file) ?? ''}${JSON.stringify(d)}`);
    const changed = new Set<string>();
    for (const [file, key] of now) if (before.get(file) !== key) changed.add(file);
    for (const file of before.keys()) if (!now.has(file)) changed.add(file);
    this.lastProblems.set(project.root, now);
    if (changed.size > 0) this.onProblems(project, changed);
    const { nodes, exact } = model.stats();
    this.notify({ root: project.root, version: model.version, analysisVersion: model.analysisVersion, nodes, exact, millis });
  }

  /**
   * The server published this project's analysis; `changed` are the files edited since the last
   * one (undefined after a full load). DuckDB re-binds now; Databricks waits for a save.
   */
  analysed(project: ColumnProject, changed: ReadonlySet<string> | undefined): void {
    const state = this.state(project);
    if (!state || state.submitted === project.version) return;
    const first = state.submitted < 0;
    const isDuckDb = state.key.startsWith('duckdb\u0000');
    if (!isDuckDb && !first && changed) return;
    this.submit(project, state, changed);
  }

  /** A document was saved: Databricks targets check it now (DuckDB ones did as it was typed). */
  saved(project: ColumnProject, file: string): void {
    const state = this.state(project);
    if (!state || state.key.startsWith('duckdb\u0000')) return;
    this.submit(project, state, new Set([file]));
  }

  private submit(project: ColumnProject, state: ProjectColumns, changed: ReadonlySet<string> | undefined): void {
    const version = project.version;
    state.submitted = version;
    let analysis: Analysis;
    let compiler: Compiler;
    try {
      analysis = project.get();
      compiler = project.compilerFor();
    } catch {
      return;
    }
    void state.service.then(async (service) => {
      if (!service) return;
      try {
        await service.submit({ analysis, compiler, version, ...(changed ? { changed } : {}) });
      } catch (err) {
        this.log(`Column model of ${project.root} failed: ${(err as Error).stack ?? String(err)}`);
      }
    });
  }

  /** The latest complete column model of a project (one version: every answer below reads one). */
  current(project: ColumnProject): ColumnModel | undefined {
    return this.projects.get(project.root)?.open?.current;
  }

  /**
   * The binder's problems. While a file's text differs from the one they were found in (a newer
   * check is on its way), only those whose text is still the same at the same place are kept:
   * typing after an error does not make it blink. Then enforced contracts against the columns the
   * binder knows exactly (on the contract's yml entries).
   */
  problems(project: ColumnProject): Diagnostic[] {
    const model = this.current(project);
    if (!model) return [];
    const { files } = project.get().project;
    const out: Diagnostic[] = [];
    for (const [file, list] of model.problemsByFile()) {
      const text = files.get(file)?.text;
      const templates = (files.get(file)?.nodeIds ?? []).map((id) => model.get(id)?.template).filter((t): t is string => t !== undefined && t !== text);
      if (templates.length === 0 || text === undefined) {
        out.push(...list);
        continue;
      }
      for (const d of list) if (d.span && templates.every((t) => t.slice(d.span!.start, d.span!.end) === text.slice(d.span!.start, d.span!.end) && t.slice(0, d.span!.start) === text.slice(0, d.span!.start))) out.push(d);
    }
    out.push(...this.contractProblems(project, model));
    return out;
  }

  /** The nodes with an enforced contract, per set of nodes (an edit that keeps the nodes, a model's SQL, changes no contract; one that changes them reloads). */
  private readonly enforced = new WeakMap<ReadonlyMap<string, ProjectNode>, ProjectNode[]>();

  /** Enforced contracts against the columns the binder knows exactly (on the contracts' yml entries). */
  private contractProblems(project: ColumnProject, model: ColumnModel): Diagnostic[] {
    const { nodes } = project.get().project;
    let enforced = this.enforced.get(nodes);
    if (!enforced) this.enforced.set(nodes, (enforced = [...nodes.values()].filter(isContractEnforced)));
    // Looked up again: a new version of the analysis has its own node objects.
    return projectContractProblems(enforced.map((n) => nodes.get(n.uniqueId) ?? n), (id) => model.get(id), model.target.type);
  }

  columnsOf(project: ColumnProject): ((node: ProjectNode) => OutputColumn[] | undefined) | undefined {
    const model = this.current(project);
    return model ? (node) => model.columnsOf(node.uniqueId) : undefined;
  }

  hover(project: ColumnProject, file: string, text: string, offset: number): { markdown: string; span: Span } | undefined {
    const model = this.current(project);
    return model ? columnHoverAt(project.get(), model, file, text, offset) : undefined;
  }

  completion(project: ColumnProject, file: string, text: string, offset: number): CompletionItem[] | undefined {
    const model = this.current(project);
    return model ? columnCompletionsAt(project.get(), model, file, text, offset) : undefined;
  }

  signatureHelp(project: ColumnProject, text: string, offset: number): SignatureHelp | undefined {
    return macroSignatureAt(project.get(), text, offset);
  }

  /** Expand `*`, document missing columns in yml, and "Change to" fixes for unknown columns. */
  codeActions(project: ColumnProject, file: string, uri: string, range: Range, diagnostics: LspDiagnostic[]): CodeAction[] {
    const out: CodeAction[] = [];
    for (const d of diagnostics) {
      const suggestions = (d.data as { suggestions?: string[] } | undefined)?.suggestions ?? [];
      if (d.source !== 'medallion' || d.code !== 'column-unknown') continue;
      for (const name of suggestions.slice(0, 3)) {
        out.push({ title: `Change to '${name}'`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: name === suggestions[0], edit: { changes: { [uri]: [{ range: d.range, newText: name }] } } });
      }
    }
    const model = this.current(project);
    if (!model) return out;
    const analysis = project.get();
    const path = joinPath(project.root, file);
    const index = this.lines.forText(path, analysis.project.files.get(file)?.text ?? '');
    const span = { start: index.offset(range.start), end: index.offset(range.end) };
    for (const { title, edit } of expandStarEdits(analysis, model, file, span)) {
      out.push({ title, kind: CodeActionKind.RefactorRewrite, edit: this.workspaceEdit(project, [edit]) });
    }
    const at = entryAt(analysis, model, file, span.start);
    if (at?.entry.exact && at.entry.columns && at.node.resourceType === 'model') {
      const edits = addMissingColumnsEdit(analysis, at.node, at.entry.columns);
      const missing = at.entry.columns.filter((c) => !at.node.columns.some((y) => y.name.toLowerCase() === c.name.toLowerCase())).length;
      if (edits.length) out.push({ title: `Add ${missing} missing column${missing === 1 ? '' : 's'} with types to yml`, kind: CodeActionKind.Refactor, edit: this.workspaceEdit(project, edits) });
    }
    return out;
  }

  /**
   * Renames the output column under the cursor through the model, downstream and yml; undefined
   * when not on one. Waits for the column model of what was typed last (a rename must not act on
   * an older version).
   */
  async rename(project: ColumnProject, file: string, offset: number, newName: string): Promise<WorkspaceEdit | ResponseError<void> | undefined> {
    const model = await this.projects.get(project.root)?.open?.idle();
    if (!model) return undefined;
    const analysis = project.get();
    const at = outputColumnAt(analysis, model, file, offset);
    if (!at) return undefined;
    const result = renameColumn(analysis, model, at.node, at.column, newName);
    if (result.problem) return new ResponseError<void>(-32602, `Cannot rename column '${at.column}': ${result.problem}`);
    return this.workspaceEdit(project, result.edits);
  }

  /**
   * Column edges between the given nodes and their columns, from the column model: types, yml
   * descriptions, and `exact` where the target engine bound the node and traced it. Undefined until
   * the column model is computed.
   */
  lineage(project: ColumnProject, ids: Set<string>): { edges: LineageColumnEdge[]; columns: Map<string, LineageColumnInfo[]> } | undefined {
    const model = this.current(project);
    if (!model || model.size === 0) return undefined;
    const { nodes } = project.get().project;
    const edges: LineageColumnEdge[] = [];
    const columns = new Map<string, LineageColumnInfo[]>();
    for (const id of ids) {
      const entry = model.get(id);
      const node = nodes.get(id);
      if (!entry?.columns || !node) continue;
      const yml = new Map(node.columns.map((c) => [c.name.toLowerCase(), c]));
      const listed: LineageColumnInfo[] = entry.columns.map((c) => {
        const documented = yml.get(c.name.toLowerCase());
        return { name: c.name, ...(c.type ? { type: c.type } : {}), ...(documented?.description ? { description: documented.description } : {}), ...(documented ? { declared: true } : {}), ...(entry.exact ? { exact: true } : {}) };
      });
      // Documented columns the model does not output are kept only where its columns are not exactly known.
      if (!entry.exact) for (const c of node.columns) if (!listed.some((l) => l.name.toLowerCase() === c.name.toLowerCase())) listed.push({ name: c.name, ...(c.dataType ? { type: c.dataType } : {}), ...(c.description ? { description: c.description } : {}), declared: true });
      columns.set(id, listed);
      for (const c of entry.columns) {
        for (const f of c.from ?? []) {
          if (ids.has(f.nodeId)) edges.push({ from: { node: f.nodeId, column: f.column }, to: { node: id, column: c.name }, exact: entry.lineage === 'engine' && entry.exact });
        }
      }
    }
    return { edges, columns };
  }

  private workspaceEdit(project: ColumnProject, edits: FileEdit[]): WorkspaceEdit {
    const analysis = project.get();
    const changes: NonNullable<WorkspaceEdit['documentChanges']> = [];
    const byFile = new Map<string, FileEdit[]>();
    for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
    for (const [file, list] of byFile) {
      const path = joinPath(project.root, file);
      const uri = pathToUri(path);
      const created = list.find((e) => e.create);
      if (created) {
        changes.push({ kind: 'create', uri, options: { ignoreIfExists: true } });
        changes.push({ textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: created.newText }] });
        continue;
      }
      const index = this.lines.forText(path, analysis.project.files.get(file)?.text ?? '');
      changes.push({ textDocument: { uri, version: null }, edits: list.map((e) => ({ range: index.range(e.span!), newText: e.newText })) });
    }
    return { documentChanges: changes };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.projects.values()].map(async (p) => (await p.service)?.close()));
    this.projects.clear();
  }
}
