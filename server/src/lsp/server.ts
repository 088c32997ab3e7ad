/**
 * The language server: a thin adapter from LSP to the core. Handlers read the current Analysis
 * of the document's project and convert core answers at the edge. One failing handler answers
 * with an error; the server stays up.
 */
import {
  CancellationToken,
  CodeActionKind,
  CodeLens,
  LSPErrorCodes,
  CompletionItemKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InsertTextFormat,
  ProposedFeatures,
  ResponseError,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { joinPath, normalizePath } from '../core/host';
import { DEFAULT_LAYER_OPTIONS, type LayerOptions } from '../core/graph';
import { completionsAt, definitionOf, hoverAt, lensesFor, nodesInFile, referencesTo, renameModel, subjectAt } from '../core/ide';
import type { ProjectNode } from '../core/model';
import { Lines, pathToUri, toDiagnostic, toLocation, uriToPath } from './convert';
import { AnalysisCompleteNotification, ColumnsCompleteNotification, CompileRequest, LandingEventNotification, LineageRequest, ModelsRequest, RunEventNotification, RunRequest, ShowRequest, TargetsRequest, UploadLandingRequest, type AnalysisComplete, type InitializationOptions, type ModelsParams, type ModelsResult, type UploadLandingParams, type UploadLandingResult, type ShowParams, type ShowResult, type TargetsResult, type RunEventMessage, type RunParams, type RunResultMessage, type CompileParams, type CompileResultMessage, type LineageParams, type LineageResult } from './protocol';
import { Workspace, type ProjectState } from './workspace';
import { openEngine, runProject } from '../runner/project-run';
import type { Target } from '../core/profiles';
import { DatabricksSyntaxChecker } from '../engines/databricks/validate';
import { checkDuckDbSyntax } from '../engines/duckdb/validate';
import { mapCompiledLines } from '../core/compiler/source-map';
import type { Diagnostic } from '../core/diagnostics';
import { defaultProfilesDirs } from '../core/session';
import { uploadProjectLanding } from '../landing/project-upload';
import { EMPTY_LINEAGE, lineageRequest } from './lineage';
import { modelsOfProject } from './models';
import { previewQuery } from './preview';
import { profileStatus } from './profile-status';
import { runEventDetails, runResultDetails } from './run-events';
import { landingOptionsFromEnv } from '../runner/landing-zone';
import { ColumnFeatures } from './columns';
import { registerWorkflowHandlers, runStateOptions } from './workflow-handlers';

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  const workspace = new Workspace(process.env as Record<string, string | undefined>);
  const documents = new TextDocuments(TextDocument);
  const lines = new Lines(workspace.host);
  /** What each file was last sent, per project root: only changes go out, and fixed files get cleared. */
  const published = new Map<string, Map<string, string>>();
  const pending = new Set<ProjectState>();
  let scheduled = false;
  /** False in an untrusted workspace: nothing renders project templates, runs, previews or uploads. */
  let trusted = true;
  const UNTRUSTED = 'Medallion does not compile, run, preview or upload in an untrusted workspace';
  // Column model (types, column completion, the engine binder's diagnostics); its new versions republish the files they change.
  const columns = new ColumnFeatures(process.env as Record<string, string | undefined>, lines, (project, files) => {
    for (const f of files ?? []) (project as ProjectState).dirty?.add(f);
    schedule(project as ProjectState);
  }, (message) => connection.console.info(message), (done) => void connection.sendNotification(ColumnsCompleteNotification, done));

  const guard = <P, R>(name: string, handler: (params: P) => R): ((params: P, token?: CancellationToken) => R | ResponseError<void>) => {
    return (params: P, token?: CancellationToken) => {
      // Handlers are synchronous and short; a request already cancelled when it arrives is not started.
      if (token?.isCancellationRequested) return new ResponseError<void>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      try {
        return handler(params);
      } catch (err) {
        connection.console.error(`${name} failed: ${(err as Error).stack ?? String(err)}`);
        return new ResponseError<void>(-32603, `${name} failed: ${(err as Error).message}`);
      }
    };
  };

  const publish = (project: ProjectState): void => {
    const started = performance.now();
    const analysis = project.get();
    const byFile = new Map<string, LspDiagnostic[]>();
    for (const d of [...analysis.diagnostics, ...[...project.engineProblems.values()].flat(), ...(trusted ? columns.problems(project) : [])]) {
      if (project.dirty && !project.dirty.has(d.file)) continue;
      // The analysis holds the text it read (overlay or disk): position with it, read nothing again.
      const text = analysis.project.files.get(d.file)?.text;
      const list = byFile.get(d.file) ?? [];
      list.push(toDiagnostic(lines, project.root, d, text));
      byFile.set(d.file, list);
    }
    const before = published.get(project.root) ?? new Map<string, string>();
    const dirty = project.dirty;
    const now = dirty ? new Map(before) : new Map<string, string>();
    for (const [file, diagnostics] of byFile) {
      if (dirty && !dirty.has(file)) continue;
      const key = JSON.stringify(diagnostics);
      now.set(file, key);
      if (before.get(file) !== key) void connection.sendDiagnostics({ uri: pathToUri(joinPath(project.root, file)), diagnostics });
    }
    for (const file of before.keys()) {
      if (byFile.has(file) || (dirty && !dirty.has(file))) continue;
      now.delete(file);
      void connection.sendDiagnostics({ uri: pathToUri(joinPath(project.root, file)), diagnostics: [] });
    }
    published.set(project.root, now);
    project.dirty = new Set();
    if (project.rendering) renderInBackground(project);
    if (trusted) columns.analysed(project, dirty);
    // After a full load, what the first edit would otherwise compute is computed now, while idle.
    if (!dirty) setImmediate(() => project.prepareEdits());
    const done: AnalysisComplete = { root: project.root, nodes: analysis.project.nodes.size, diagnostics: analysis.diagnostics.length, millis: performance.now() - started, rendering: project.renderingCount };
    void connection.sendNotification(AnalysisCompleteNotification, done);
  };

  /**
   * After a macro edit, the nodes that used the macro are re-rendered in slices between requests
   * (each slice ~15 ms, so edits and questions keep answering); their problems go out when done.
   */
  const renderingNow = new Set<ProjectState>();
  const renderInBackground = (project: ProjectState): void => {
    if (renderingNow.has(project)) return;
    renderingNow.add(project);
    const slice = (): void => {
      try {
        if (project.renderPending(15)) {
          setImmediate(slice);
          return;
        }
      } catch (err) {
        connection.console.error(`re-rendering after a macro edit failed: ${(err as Error).stack ?? String(err)}`);
        project.invalidate();
      }
      renderingNow.delete(project);
      schedule(project);
    };
    setImmediate(slice);
  };

  /** Coalesces a burst of edits into one re-analysis per project. */
  const schedule = (project: ProjectState | undefined): void => {
    if (!project) return;
    pending.add(project);
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const batch = [...pending];
      pending.clear();
      for (const p of batch) {
        try {
          publish(p);
        } catch (err) {
          connection.console.error(`analysis of ${p.root} failed: ${(err as Error).stack ?? String(err)}`);
        }
      }
    });
  };

  const at = (uri: string): { project: ProjectState; file: string; path: string } | undefined => {
    const path = normalizePath(uriToPath(uri));
    const project = workspace.projectFor(path);
    const file = project?.relative(path);
    if (!project || !file) return undefined;
    // First touch of a project: its diagnostics go out once it is analysed.
    if (!project.loaded) schedule(project);
    return { project, file, path };
  };

  connection.onInitialize((params): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as InitializationOptions & { layers?: LayerOptions };
    trusted = options.trusted !== false;
    workspace.settings.trusted = trusted;
    if (options.layers) workspace.layers = { ...DEFAULT_LAYER_OPTIONS, ...options.layers };
    for (const folder of params.workspaceFolders ?? []) workspace.addFolder(uriToPath(folder.uri));
    if (params.rootUri && !params.workspaceFolders?.length) workspace.addFolder(uriToPath(params.rootUri));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        definitionProvider: true,
        referencesProvider: true,
        hoverProvider: true,
        renameProvider: { prepareProvider: false },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        completionProvider: { triggerCharacters: ["'", '"', '(', ' ', '{', '.', ','] },
        signatureHelpProvider: { triggerCharacters: ['(', ','] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Refactor, CodeActionKind.RefactorRewrite] },
      },
      serverInfo: { name: 'medallion', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{sql,yml,yaml,csv,py,md}' }] }).catch(() => undefined);
    // Projects are analysed when first touched (a document opened, a request about one of its files).
  });

  documents.onDidOpen((e) => {
    const path = normalizePath(uriToPath(e.document.uri));
    const text = e.document.getText();
    const same = workspace.host.read(path);
    workspace.host.overlays.set(path, text);
    // Opening a file whose text is what the project already read changes nothing.
    if (same.kind === 'text' && same.text === text) return schedule(workspace.projectFor(path));
    schedule(workspace.documentEdited(path, text));
  });
  documents.onDidChangeContent((e) => {
    const path = normalizePath(uriToPath(e.document.uri));
    const text = e.document.getText();
    if (workspace.host.overlays.get(path) === text) return;
    workspace.host.overlays.set(path, text);
    schedule(workspace.documentEdited(path, text));
  });
  documents.onDidClose((e) => {
    const path = normalizePath(uriToPath(e.document.uri));
    workspace.host.overlays.delete(path);
    schedule(workspace.fileChanged(path));
  });
  // On save, the target engine itself checks the compiled SQL: DuckDB's parser, or the Databricks
  // warehouse (`explain`) when one is configured and reachable. No engine judges another's dialect.
  const databricksCheckers = new Map<string, DatabricksSyntaxChecker>();
  const unavailable = new Set<string>();
  const databricksChecker = (target: Target, root: string): DatabricksSyntaxChecker => {
    const key = `${root}\u0000${target.name}`;
    let checker = databricksCheckers.get(key);
    if (!checker) databricksCheckers.set(key, (checker = new DatabricksSyntaxChecker(target, process.env as Record<string, string | undefined>)));
    return checker;
  };
  connection.onShutdown(async () => {
    await Promise.all([...databricksCheckers.values()].map((c) => c.close()));
    await columns.close();
  });
  documents.onDidSave((e) => {
    const where = at(e.document.uri);
    if (!trusted || !where || !where.file.endsWith('.sql')) return;
    columns.saved(where.project, where.file);
    void (async () => {
      try {
        const analysis = where.project.get();
        const node = nodesInFile(analysis, where.file).find((n) => n.resourceType === 'model' || n.resourceType === 'snapshot');
        const compiler = where.project.compilerFor();
        const target = compiler.options.target;
        if (!node || (target.type !== 'duckdb' && target.type !== 'databricks')) return;
        const template = e.document.getText();
        const result = compiler.compile(node.uniqueId);
        const problems: Diagnostic[] = [];
        if (result.sql !== undefined) {
          const problem =
            target.type === 'duckdb'
              ? await checkDuckDbSyntax(result.sql)
              : await databricksChecker(target, where.project.root).check(result.sql, (why) => {
                  if (unavailable.has(target.name)) return;
                  unavailable.add(target.name);
                  connection.console.info(`SQL is not checked by the warehouse on save (target ${target.name}): ${why}`);
                });
          if (problem) {
            const map = mapCompiledLines(template, result.sql);
            const line = problem.line !== undefined ? (map[problem.line - 1] ?? 0) : 0;
            const index = lines.of(where.path);
            const start = index.offset({ line, character: 0 });
            const end = index.offset({ line: line + 1, character: 0 });
            problems.push({ code: 'sql-syntax', severity: 'error', file: where.file, span: { start, end: Math.max(start, end - 1) }, message: `${target.type === 'duckdb' ? 'DuckDB' : 'Databricks'} (target ${target.name}) cannot parse the compiled SQL: ${problem.message}` });
          }
        }
        if (problems.length > 0 || where.project.engineProblems.has(where.file)) {
          if (problems.length > 0) where.project.engineProblems.set(where.file, problems);
          else where.project.engineProblems.delete(where.file);
          where.project.dirty?.add(where.file);
          schedule(where.project);
        }
      } catch (err) {
        connection.console.error(`validation of ${where.file} failed: ${(err as Error).stack ?? String(err)}`);
      }
    })();
  });

  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const path = normalizePath(uriToPath(change.uri));
      // An open file's own edits come as document changes; but a file created on disk is new to the
      // project even when the editor opened it before this event arrived.
      if (change.type === FileChangeType.Changed && workspace.host.overlays.has(path)) continue;
      schedule(workspace.fileChanged(path));
    }
  });

  const textOf = (path: string): string => {
    const r = workspace.host.read(path);
    return r.kind === 'text' ? r.text : '';
  };

  connection.onDefinition(
    guard('definition', (params) => {
      const where = at(params.textDocument.uri);
      if (!where) return null;
      const offset = lines.of(where.path).offset(params.position);
      const loc = definitionOf(where.project.get(), where.file, offset);
      return loc ? toLocation(lines, where.project.root, loc) : null;
    }),
  );

  connection.onReferences(
    guard('references', (params) => {
      const where = at(params.textDocument.uri);
      if (!where) return [];
      const analysis = where.project.get();
      const node = subjectAt(analysis, where.file, lines.of(where.path).offset(params.position));
      if (!node) return [];
      return referencesTo(analysis, node, params.context.includeDeclaration).map((l) => toLocation(lines, where.project.root, l));
    }),
  );

  connection.onHover(
    guard('hover', (params) => {
      const where = at(params.textDocument.uri);
      if (!where) return null;
      // The relation on every target of the profile (dev, databricks...), as each would name it.
      const relationFor = (node: ProjectNode): string[] | undefined => {
        if (!trusted) return undefined;
        try {
          const own = where.project.compilerFor();
          const names = where.project.targets();
          return (names.length > 0 ? names : [own.options.target.name]).slice(0, 4).map((t) => {
            const r = (t === own.options.target.name ? own : where.project.compilerFor(t)).relation(node);
            return `${t}: \`${r.type === 'cte' ? 'ephemeral (inlined as a CTE)' : r.render()}\``;
          });
        } catch {
          return undefined;
        }
      };
      const offset = lines.of(where.path).offset(params.position);
      const hover = hoverAt(where.project.get(), where.file, offset, relationFor, trusted ? columns.columnsOf(where.project) : undefined) ?? (trusted ? columns.hover(where.project, where.file, textOf(where.path), offset) : undefined);
      return hover ? { contents: { kind: 'markdown' as const, value: hover.markdown }, range: lines.range(where.path, hover.span) } : null;
    }),
  );

  connection.onCompletion(
    guard('completion', (params) => {
      const where = at(params.textDocument.uri);
      if (!where) return [];
      const text = textOf(where.path);
      const offset = lines.of(where.path).offset(params.position);
      const items = (trusted ? columns.completion(where.project, where.file, text, offset) : undefined) ?? completionsAt(where.project.get(), text, offset, where.file);
      const kinds = { model: CompletionItemKind.Class, seed: CompletionItemKind.File, snapshot: CompletionItemKind.Class, source: CompletionItemKind.Module, table: CompletionItemKind.Struct, macro: CompletionItemKind.Function, column: CompletionItemKind.Field };
      return items.map((i) => ({
        label: i.label,
        kind: kinds[i.kind],
        ...(i.detail ? { detail: i.detail } : {}),
        ...(i.documentation ? { documentation: i.documentation } : {}),
        ...(i.sortText ? { sortText: i.sortText } : {}),
        ...(i.insertText ? { insertText: i.insertText, insertTextFormat: i.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText } : {}),
      }));
    }),
  );

  connection.onSignatureHelp(
    guard('signatureHelp', (params) => {
      const where = at(params.textDocument.uri);
      const help = where ? columns.signatureHelp(where.project, textOf(where.path), lines.of(where.path).offset(params.position)) : undefined;
      return help ? { signatures: [{ label: help.label, parameters: help.parameters, ...(help.documentation ? { documentation: help.documentation } : {}) }], activeSignature: 0, activeParameter: help.activeParameter } : null;
    }),
  );

  connection.onCodeAction(
    guard('codeAction', (params) => {
      const where = at(params.textDocument.uri);
      const out: Array<import('vscode-languageserver/node').CodeAction> = trusted && where ? columns.codeActions(where.project, where.file, params.textDocument.uri, params.range, params.context.diagnostics) : [];
      for (const d of params.context.diagnostics) {
        const suggestions = (d.data as { suggestions?: string[] } | undefined)?.suggestions ?? [];
        if (d.source !== 'medallion' || (d.code !== 'unknown-ref' && d.code !== 'unknown-source' && d.code !== 'missing-file')) continue;
        for (const name of suggestions.slice(0, 3)) {
          out.push({ title: `Change to '${name}'`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: name === suggestions[0], edit: { changes: { [params.textDocument.uri]: [{ range: d.range, newText: name }] } } });
        }
      }
      return out;
    }),
  );

  connection.onRenameRequest(
    guard('rename', async (params): Promise<WorkspaceEdit | ResponseError<void> | null> => {
      const where = at(params.textDocument.uri);
      if (!where) return null;
      const offset = lines.of(where.path).offset(params.position);
      // On a column a model outputs: the column is renamed (downstream and yml too); else the model.
      const columnRename = trusted ? await columns.rename(where.project, where.file, offset, params.newName) : undefined;
      if (columnRename) return columnRename;
      const analysis = where.project.get();
      const node = subjectAt(analysis, where.file, offset);
      if (!node) return null;
      const result = renameModel(analysis, node, params.newName);
      if (result.problem) return new ResponseError<void>(-32602, result.problem);
      const changes: NonNullable<WorkspaceEdit['documentChanges']> = [];
      const byFile = new Map<string, typeof result.edits>();
      for (const e of result.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
      for (const [file, edits] of byFile) {
        const path = joinPath(where.project.root, file);
        changes.push({ textDocument: { uri: pathToUri(path), version: null }, edits: edits.map((e) => ({ range: lines.range(path, e.span), newText: e.newText })) });
      }
      if (result.fileRename) changes.push({ kind: 'rename', oldUri: pathToUri(joinPath(where.project.root, result.fileRename.from)), newUri: pathToUri(joinPath(where.project.root, result.fileRename.to)) });
      return { documentChanges: changes };
    }),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', (params) => {
      const where = at(params.textDocument.uri);
      if (!where) return [];
      const analysis = where.project.get();
      const file = analysis.project.files.get(where.file);
      const symbols: Array<{ name: string; kind: SymbolKind; range: ReturnType<Lines['range']>; selectionRange: ReturnType<Lines['range']>; detail: string }> = (file?.blocks ?? []).map((b) => {
        const range = lines.range(where.path, b.span);
        return { name: b.name, kind: b.kind === 'macro' || b.kind === 'test' ? SymbolKind.Function : SymbolKind.Class, range, selectionRange: lines.range(where.path, b.nameSpan), detail: b.kind as string };
      });
      for (const node of analysis.project.nodes.values()) {
        if (node.yml?.file === where.file || (node.resourceType === 'source' && node.file === where.file)) {
          const range = lines.range(where.path, node.yml?.span ?? node.nameSpan);
          symbols.push({ name: node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name, kind: SymbolKind.Object, range, selectionRange: range, detail: node.resourceType });
        }
      }
      return symbols;
    }),
  );

  connection.onWorkspaceSymbol(
    guard('workspaceSymbol', (params) => {
      const query = params.query.toLowerCase();
      const out = [];
      for (const project of workspace.all()) {
        for (const node of project.get().project.nodes.values()) {
          if (node.resourceType === 'test' || node.resourceType === 'unit_test' || node.resourceType === 'operation' || !node.name.toLowerCase().includes(query)) continue;
          out.push({ name: node.name, kind: node.resourceType === 'source' ? SymbolKind.Interface : SymbolKind.Class, containerName: node.layer ?? node.resourceType, location: toLocation(lines, project.root, { file: node.file, ...(node.nameSpan ? { span: node.nameSpan } : {}) }) });
          if (out.length >= 500) return out;
        }
      }
      return out;
    }),
  );

  connection.onCodeLens(
    guard('codeLens', (params) => {
      const where = at(params.textDocument.uri);
      if (!where) return [];
      return lensesFor(where.project.get(), where.file).map((l) => {
        const lens = CodeLens.create(lines.range(where.path, l.span));
        lens.command = { title: l.title, command: l.command, arguments: l.args };
        return lens;
      });
    }),
  );

  connection.onRequest(
    CompileRequest,
    guard('compile', (params: CompileParams): CompileResultMessage | null => {
      const where = at(params.uri);
      if (!where) return null;
      if (!trusted) return { nodeId: null, sql: null, lineMap: null, relation: null, target: params.target ?? '', problems: [{ message: UNTRUSTED, file: where.file }] };
      const analysis = where.project.get();
      const node = nodesInFile(analysis, where.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test');
      const compiler = where.project.compilerFor(params.target);
      if (!node) return { nodeId: null, sql: null, lineMap: null, relation: null, target: compiler.options.target.name, problems: [{ message: 'This file defines no model, snapshot or test', file: where.file }] };
      const result = compiler.compile(node.uniqueId);
      const template = textOf(where.path);
      return {
        nodeId: node.uniqueId,
        sql: result.sql ?? null,
        lineMap: result.sql !== undefined ? mapCompiledLines(template, result.sql) : null,
        relation: result.relation ?? null,
        target: compiler.options.target.name,
        problems: result.diagnostics.map((d) => ({ message: d.message, file: d.file, ...(d.span ? { line: lines.range(joinPath(where.project.root, d.file), d.span).start.line + 1 } : {}) })),
      };
    }),
  );

  connection.onRequest(
    LineageRequest,
    guard('lineage', (params: LineageParams): LineageResult => {
      const where = params.uri ? at(params.uri) : undefined;
      const project = where?.project ?? workspace.all().find((p) => params.nodeId && lineageRequest({ analysis: p.get(), root: p.root, lines }, { nodeId: params.nodeId, depth: 0 }).focus);
      if (!project) return EMPTY_LINEAGE;
      // Columns from the column model (engine-bound, exact where DuckDB traced them) once it is computed.
      return lineageRequest({ analysis: project.get(), root: project.root, lines, ...(where ? { file: where.file } : {}), ...(trusted ? { compiler: () => project.compilerFor(), modelledColumns: (ids: Set<string>) => columns.lineage(project, ids) } : {}) }, params);
    }),
  );

  // Source freshness and the state status (workflow-handlers.ts): the document's project, else the first.
  registerWorkflowHandlers(connection, () => trusted, (uri) => {
    const project = (uri ? at(uri)?.project : undefined) ?? workspace.all()[0];
    return project ? { root: project.root, analysis: project.get() } : undefined;
  });

  connection.onRequest(RunRequest, async (params: RunParams, token: CancellationToken): Promise<RunResultMessage | ResponseError<void>> => {
    if (!trusted) return new ResponseError<void>(-32600, UNTRUSTED);
    const where = params.uri ? at(params.uri) : undefined;
    const project = where?.project ?? workspace.all()[0];
    if (!project) return new ResponseError<void>(-32602, 'No dbt project in this workspace');
    const analysis = project.get();
    // Run Modified and the deferral setting: the state folder read as the CLI reads --state.
    const stateOptions = runStateOptions(project.root, analysis.project.config.targetPath, params);
    if ((params.state || params.defer) && (!stateOptions.state || (params.defer && !stateOptions.defer))) return new ResponseError<void>(-32602, stateOptions.problems.join('\n'));
    for (const p of stateOptions.problems) connection.console.warn(`state: ${p}`);
    let select = params.select ?? [];
    if (where && select.length === 0) {
      const node = nodesInFile(analysis, where.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test');
      if (!node) return new ResponseError<void>(-32602, `${where.file} defines no model to run`);
      select = [`${params.upstream ? '+' : ''}${node.name}${params.downstream ? '+' : ''}`];
    }
    // "With upstream" means everything the model needs gets built: seeds and snapshots too, not
    // only models (dbt's `run +model` would leave an unbuilt snapshot failing the model).
    const withUpstream = Boolean(params.upstream) && (params.command ?? 'run') === 'run';
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    const startRelation = (node: ProjectNode): string | undefined => {
      if (node.resourceType === 'test' || node.resourceType === 'unit_test' || node.config.materialized === 'ephemeral') return undefined;
      try {
        return project.compilerFor(params.target).relation(node).render();
      } catch {
        return undefined;
      }
    };
    const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin(`Medallion: ${params.command ?? 'run'} ${select.join(' ')}`, 0, 'starting', true);
    progress?.token.onCancellationRequested(() => controller.abort());
    try {
      const env = process.env as Record<string, string | undefined>;
      const summary = await runProject(workspace.host, analysis, {
        command: withUpstream ? 'build' : (params.command ?? 'run'),
        ...(withUpstream ? { resourceTypes: ['model', 'seed', 'snapshot'] } : {}),
        select,
        threads: 0,
        ...(params.threads ? { threadsOverride: params.threads } : {}),
        ...(params.fullRefresh ? { fullRefresh: true } : {}),
        ...(params.target ? { target: params.target } : {}),
        ...(stateOptions.state ? { state: stateOptions.state } : {}),
        ...(stateOptions.defer ? { defer: stateOptions.defer } : {}),
        env,
        profilesDirs: defaultProfilesDirs(project.root, env),
        signal: controller.signal,
        onEvent: (e) => {
          const message: RunEventMessage =
            e.kind === 'phase'
              ? { kind: 'phase', message: e.message }
              : e.kind === 'start'
                ? { kind: 'start', nodeId: e.node.uniqueId, name: e.node.name, index: e.index, total: e.total, ...runEventDetails(e.node, startRelation(e.node)) }
                : { kind: 'finish', nodeId: e.result.uniqueId, name: e.result.name, status: e.result.status, message: e.result.message, index: e.index, total: e.total, ...runResultDetails(e.result, analysis.project.nodes.get(e.result.uniqueId)) };
          void connection.sendNotification(RunEventNotification, message);
          if (e.kind === 'finish') progress?.report(Math.round((100 * e.index) / e.total), `${e.index}/${e.total} ${e.result.name} ${e.result.status}`);
        },
      });
      return {
        target: summary.target,
        cancelled: summary.cancelled,
        fatal: summary.fatal ?? null,
        elapsedSeconds: summary.elapsedSeconds,
        results: summary.results.map(({ compiledSql: _sql, startedAt: _s, completedAt: _c, thread: _t, resourceType: _r, ...r }) => r),
      };
    } catch (err) {
      connection.console.error(`run failed: ${(err as Error).stack ?? String(err)}`);
      return new ResponseError<void>(-32603, `run failed: ${(err as Error).message}`);
    } finally {
      progress?.done();
    }
  });

  connection.onRequest(
    TargetsRequest,
    guard('targets', (params: { uri?: string }): TargetsResult => {
      const where = params.uri ? at(params.uri) : undefined;
      const project = where?.project ?? workspace.all()[0];
      if (!project) return { targets: [], defaultTarget: '' };
      return { targets: project.targets(), defaultTarget: project.compilerFor().options.target.name, profile: profileStatus(workspace.host, project.get(), process.env as Record<string, string | undefined>) };
    }),
  );

  connection.onRequest(ShowRequest, async (params: ShowParams, token: CancellationToken): Promise<ShowResult> => {
    const empty = (error: string, node: string | null = null): ShowResult => ({ node, columns: [], rows: [], seconds: 0, error });
    if (!trusted) return empty(UNTRUSTED);
    if (!workspace.all().length) return empty('No dbt project in this workspace');
    const where = params.uri ? at(params.uri) : undefined;
    const project = where?.project ?? workspace.all()[0]!;
    const analysis = project.get();
    const node = params.nodeId ? analysis.project.nodes.get(params.nodeId) : where ? nodesInFile(analysis, where.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test') : undefined;
    if (!node) return empty('Open a model to preview it');
    const compiler = project.compilerFor(params.target);
    const query = previewQuery(compiler, node, params, where ? textOf(where.path) : undefined);
    if ('error' in query) return empty(query.error, node.uniqueId);
    const { sql, title } = query;
    let engine: Awaited<ReturnType<typeof openEngine>> | undefined;
    try {
      engine = await openEngine(compiler.options.target, project.root, process.env as Record<string, string | undefined>);
      const session = await engine.acquire();
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      const started = performance.now();
      const limit = Math.max(0, Math.min(params.limit ?? 500, 100_000));
      const result = await session.execute(`select * from (\n${sql}\n) as medallion_preview limit ${limit}`, { signal: controller.signal });
      return { node: node.uniqueId, sql, title, columns: result.columns, rows: result.rows, seconds: (performance.now() - started) / 1000, error: null };
    } catch (err) {
      return empty((err as Error).message, node.uniqueId);
    } finally {
      await engine?.close();
    }
  });

  connection.onRequest(
    ModelsRequest,
    guard('models', (params: ModelsParams): ModelsResult => {
      const only = params.uri ? at(params.uri)?.project : undefined;
      const projects = only ? [only] : workspace.all();
      return {
        projects: projects.map((project) => {
          if (!project.loaded) schedule(project);
          return modelsOfProject(project.get(), project.root, lines);
        }),
      };
    }),
  );

  connection.onRequest(UploadLandingRequest, async (params: UploadLandingParams, token: CancellationToken): Promise<UploadLandingResult | ResponseError<void>> => {
    if (!trusted) return new ResponseError<void>(-32600, UNTRUSTED);
    const project = (params.uri ? at(params.uri)?.project : undefined) ?? workspace.all()[0];
    if (!project) return new ResponseError<void>(-32602, 'No dbt project in this workspace');
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    try {
      const zone = landingOptionsFromEnv(project.root, process.env as Record<string, string | undefined>);
      const tables = await uploadProjectLanding(project.get(), zone, {
        ...(params.dir ? { dir: params.dir } : {}),
        ...(params.source ? { source: params.source } : {}),
        signal: controller.signal,
        onTable: (table, from, to) => void connection.sendNotification(LandingEventNotification, { kind: 'table', table, from, to }),
        onProgress: (table, p) => void connection.sendNotification(LandingEventNotification, { kind: 'progress', table, file: p.file, bytes: p.bytes, total: p.total }),
      });
      return { root: project.root, cancelled: controller.signal.aborted, tables };
    } catch (err) {
      connection.console.error(`landing upload failed: ${(err as Error).stack ?? String(err)}`);
      return new ResponseError<void>(-32603, `landing upload failed: ${(err as Error).message}`);
    }
  });

  documents.listen(connection);
  connection.listen();
}
