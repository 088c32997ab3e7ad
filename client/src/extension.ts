/**
 * The VS Code client: starts the bundled language server, registers Medallion's commands and
 * views and shows what they do (progress with cancel, a log, the compiled SQL beside the model,
 * a status bar, the models tree). Logic lives in the server and the core; this file only
 * connects VS Code to it. Settings reach the server as its environment and initialization
 * options, so a change restarts it. Nothing here sends telemetry.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type NodeModule } from 'vscode-languageclient/node';
import {
  AnalysisCompleteNotification,
  type AnalysisComplete,
  CompileRequest,
  LandingEventNotification,
  RunEventNotification,
  RunRequest,
  TargetsRequest,
  type CompileResultMessage,
  type InitializationOptions,
  type LandingEventMessage,
  type ModelsFolder,
  type ModelsTreeNode,
  type RunEventMessage,
  type RunParams,
  type RunResultMessage,
  type TargetsResult,
  type LineageNode,
  type UploadLandingResult,
} from '../../server/src/lsp/protocol';
import { LANGUAGE_SERVER_NODE_FLAGS } from './server-flags';
import { LandingUpload } from './landing-upload';
import { LineagePanel, type LineageCommand, type LineageViewState } from './lineage-panel';
import { ModelsView, type ModelsElement } from './models-view';
import { PackagesOffer } from './packages-offer';
import { Requests } from './requests';
import { ResultsPanel } from './results-panel';
import { RunStatus } from './run-status';
import { doneLine, logLine, runOutcome, statusesFromRunResults, statusText } from './run-log';
import { RESTART_SETTINGS, serverEnvironment, settingsInEffect } from './settings';
import { readStateSettings, registerWorkflowCommands, stateRunParams } from './workflow-commands';

let client: LanguageClient | undefined;
const TOKEN_KEY = 'medallion.databricksToken';
const COMPILED_SCHEME = 'medallion-compiled';

/** What `activate` returns: for the extension's own tests (and anyone scripting the views). */
export interface MedallionApi {
  /** The Models view as it shows now: labels and descriptions, nested. */
  modelsView(): Promise<Array<{ label: string; description: string; contextValue: string; children: unknown[] }>>;
  /** Asks the server for the models again (what an analysis or a run does by itself). */
  refreshModels(): void;
  /** The last run status of a node (by unique id). */
  lastRunStatus(nodeId: string): string | undefined;
  /** What the lineage view drew: node names, the run status shown on each, folds, selection, a traced column, timings. */
  lineageView(): LineageViewState;
  /** Has the lineage view select a node (or trace one of its columns), or unfold every "+N more"; resolves once drawn. */
  lineageDo(message: { type: 'select'; name: string; column?: string } | { type: 'unfoldAll' }): Promise<LineageViewState>;
  /** Resolves when the language server has (re)started with the current settings. */
  serverReady(): Promise<void>;
  /** The non-empty settings the running language server was started with (values; the token is never a setting). */
  serverSettings(): Record<string, string>;
  /** The status bar's text, and the run notifications shown so far (for tests). */
  statusBar(): string;
  notices(): string[];
}

export async function activate(context: vscode.ExtensionContext): Promise<MedallionApi> {
  const output = vscode.window.createOutputChannel('Medallion', { log: true });
  context.subscriptions.push(output);
  const serverModule = context.asAbsolutePath(path.join('dist', 'lsp-server.js'));
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('medallion');
  const folder = (): string | undefined => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

  // The server's environment: the settings on top of the editor's, and the Databricks token from
  // SecretStorage (it reaches the server only through its environment; never settings, never logs).
  // The server's node flags (its young generation; server-flags.ts) are what the load bench times.
  const run: NodeModule = { module: serverModule, transport: TransportKind.ipc, options: { env: {}, execArgv: [...LANGUAGE_SERVER_NODE_FLAGS] } };
  const debug: NodeModule = { module: serverModule, transport: TransportKind.ipc, options: { env: {}, execArgv: [...LANGUAGE_SERVER_NODE_FLAGS] } };
  let startedWith: Record<string, string> = {};
  const currentSettings = (): Record<string, string> => {
    const get = (s: string): unknown => config().get(s);
    return Object.fromEntries(settingsInEffect(get).map((s) => [s, String(get(s.slice('medallion.'.length))).trim()]));
  };
  const configureServer = async (): Promise<void> => {
    const token = await context.secrets.get(TOKEN_KEY);
    const get = (s: string): unknown => config().get(s);
    const env = serverEnvironment(process.env, get, { token, folder: folder() });
    run.options!.env = env;
    debug.options!.env = env;
    startedWith = currentSettings();
  };
  await configureServer();
  const initializationOptions = (): InitializationOptions => ({
    ...(config().get('layers') ? { layers: config().get('layers') } : {}),
    // An untrusted workspace: the server renders no project templates and runs nothing.
    trusted: vscode.workspace.isTrusted,
  });
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'jinja-sql' },
      { scheme: 'file', pattern: '**/*.{yml,yaml}' },
    ],
    initializationOptions,
    outputChannel: output,
  };
  client = new LanguageClient('medallion', 'Medallion', { run, debug }, clientOptions);
  const lsp = client;
  let ready: Promise<void> = lsp.start();
  await ready;
  const describeStart = (why: string): void => {
    const settings = settingsInEffect((s) => config().get(s));
    output.info(`language server ${why}${vscode.workspace.isTrusted ? '' : ' (untrusted workspace: navigation and diagnostics only)'}${settings.length ? `; settings in effect: ${settings.join(', ')}` : ''}`);
  };
  describeStart('started');

  /** Notifications, kept for the API (tests read what a person was told). */
  const notices: string[] = [];
  const notify = (level: 'info' | 'warning' | 'error', text: string, ...actions: string[]): Thenable<string | undefined> => {
    notices.push(text);
    return level === 'info' ? vscode.window.showInformationMessage(text, ...actions) : level === 'warning' ? vscode.window.showWarningMessage(text, ...actions) : vscode.window.showErrorMessage(text, ...actions);
  };
  // Every request a command sends: a refusal or failure is told in the server's words, never as a generic "command failed".
  const requests = new Requests(() => lsp, output, notify);

  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.tooltip = 'Medallion: target and last run';
  status.command = 'medallion.selectTarget';
  status.show();
  const runStatus = new RunStatus();
  const models = new ModelsView(lsp, runStatus);
  const landing = new LandingUpload(requests, output);
  const modelsTree = vscode.window.createTreeView('medallion.models', { treeDataProvider: models, showCollapseAll: true });
  context.subscriptions.push(status, runStatus, models, modelsTree);

  // The last run's statuses survive a reload: read each project's target/run_results.json (and again when a run outside the editor rewrites it).
  const restoreStatuses = async (): Promise<void> => {
    for (const project of await models.projects()) {
      const file = vscode.Uri.joinPath(vscode.Uri.parse(project.uri), project.targetPath ?? 'target', 'run_results.json');
      const bytes = await vscode.workspace.fs.readFile(file).then((b) => b, () => undefined);
      if (bytes) runStatus.restore(statusesFromRunResults(new TextDecoder().decode(bytes)));
    }
  };
  void restoreStatuses();
  const resultsWatcher = vscode.workspace.createFileSystemWatcher('**/run_results.json');
  context.subscriptions.push(resultsWatcher, resultsWatcher.onDidCreate(() => void restoreStatuses()), resultsWatcher.onDidChange(() => void restoreStatuses()));
  void vscode.commands.executeCommand('setContext', 'medallion.active', true);

  /** Restarts the server (serialised) so it reads the settings, token and trust again. */
  const restart = (why: string): Promise<void> => {
    ready = ready
      .catch(() => undefined)
      .then(async () => {
        await lsp.stop().catch(() => undefined);
        await configureServer();
        await lsp.start();
        describeStart(`restarted: ${why}`);
        models.refresh(0);
      });
    return ready;
  };

  /** Settings often change together (several keys, one edit of settings.json): one restart for a burst. */
  let pendingRestart: { timer: ReturnType<typeof setTimeout>; settings: Set<string> } | undefined;
  const restartSoon = (settings: string[]): void => {
    if (pendingRestart) clearTimeout(pendingRestart.timer);
    const all = new Set([...(pendingRestart?.settings ?? []), ...settings]);
    pendingRestart = {
      settings: all,
      timer: setTimeout(() => {
        pendingRestart = undefined;
        // A burst that spanned two restarts may find its values already in effect: no second stop.
        if (JSON.stringify(currentSettings()) === JSON.stringify(startedWith)) return;
        void restart(`settings changed (${[...all].join(', ')})`);
      }, 250),
    };
  };

  // One handler per notification method (the language client keeps only the last one registered).
  lsp.onNotification(RunEventNotification, (e: RunEventMessage) => {
    runStatus.record(e);
    const line = logLine(e);
    output[line.level](line.text);
    if (line.detail) output[line.level](`  ${line.detail.split('\n').join('\n  ')}`);
  });
  lsp.onNotification(LandingEventNotification, (e: LandingEventMessage) => landing.onEvent(e));
  const packages = new PackagesOffer(requests, output, notify);
  lsp.onNotification(AnalysisCompleteNotification, (done: AnalysisComplete) => {
    models.refresh();
    if (vscode.workspace.isTrusted) void packages.check(done.root);
  });

  /** The target chosen in settings (medallion.target), else the profile's default. */
  const target = (): string | undefined => config().get<string>('target') || undefined;
  const threads = (): number | undefined => config().get<number>('threads') || undefined;
  const showTarget = (): void => {
    status.text = `$(database) ${target() ?? 'default target'}`;
  };
  showTarget();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('medallion.target')) showTarget();
      const changed = RESTART_SETTINGS.filter((s) => e.affectsConfiguration(s));
      if (changed.length > 0) restartSoon(changed);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart('workspace trusted')),
  );

  /** Runs, uploads and previews happen only in a trusted workspace. */
  const trusted = (what: string): boolean => {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(`Medallion does not ${what} in an untrusted workspace.`);
    return false;
  };

  /**
   * Without the project's profile in a profiles.yml, a run would go to the built-in DuckDB target:
   * say so once per workspace and let the person choose (never a silent switch).
   */
  const profileReady = async (uri: string | undefined): Promise<boolean> => {
    const targets = await requests.send<TargetsResult>('read the project\'s profile', TargetsRequest, uri ? { uri } : {});
    if (!targets) return false;
    const { profile } = targets;
    if (!profile || profile.found) return true;
    const key = `medallion.useEmbeddedDuckDb:${profile.name}`;
    if (context.workspaceState.get<boolean>(key)) return true;
    const where = profile.file ? `${profile.file} has no profile '${profile.name}'` : `No profiles.yml found (looked in ${profile.searched.join(', ')})`;
    output.warn(`${where}: the project's profile '${profile.name}' is missing`);
    const choice = await vscode.window.showWarningMessage(`Medallion: ${where}. Run on the embedded DuckDB (target/medallion.duckdb) instead?`, 'Use the embedded DuckDB', 'Open profiles.yml');
    if (choice === 'Use the embedded DuckDB') {
      await context.workspaceState.update(key, true);
      output.info(`runs of '${profile.name}' use the embedded DuckDB target (chosen for this workspace)`);
      return true;
    }
    if (choice === 'Open profiles.yml') {
      if (profile.file) await vscode.window.showTextDocument(vscode.Uri.file(profile.file));
      else {
        // A new profiles.yml beside dbt_project.yml, unsaved: the person fills in and saves it.
        const dir = profile.searched.find((p) => !p.includes('/.dbt/')) ?? profile.searched[0]!;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(dir).with({ scheme: 'untitled' }));
        const editor = await vscode.window.showTextDocument(doc);
        await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${profile.name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/${profile.name}.duckdb\n      schema: main\n      threads: 4\n`));
      }
    }
    output.warn('run not started: no profile');
    return false;
  };

  const runNodes = async (title: string, params: RunParams): Promise<RunResultMessage | undefined> => {
    // medallion.state.*: every run compares with (and may defer to) the configured state folder.
    params = { ...stateRunParams(readStateSettings()), ...params };
    const chosen = target();
    if (chosen) params = { target: chosen, ...params };
    const n = threads();
    if (n) params = { threads: n, ...params };
    if (!trusted('run models')) return undefined;
    await ready;
    if (!(await profileReady(params.uri))) return undefined;
    output.show(true);
    let result: RunResultMessage | undefined;
    try {
      // Refused or failed (no model in the file, a bad state folder, the server gone): said in the server's words; the status bar keeps the last run.
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) =>
        requests.send<RunResultMessage>(title.replace(/^Medallion: /, ''), RunRequest, params, { token }),
      );
    } finally {
      runStatus.settle();
    }
    if (!result) return undefined;
    const outcome = runOutcome(result);
    if (outcome === 'cancelled-before-start') {
      output.info(`${title}: cancelled before it started${result.fatal ? ` (${result.fatal})` : ''}`);
      return result;
    }
    const failed = result.results.filter((r) => r.status === 'error' || r.status === 'fail');
    status.text = `$(database) ${statusText(result)}`;
    status.tooltip = `Medallion: target and last run\n${doneLine(result)}`;
    if (outcome === 'fatal') {
      output.error(`run failed: ${result.fatal}`);
      void notify('error', `Medallion: ${result.fatal}`);
    } else if (outcome === 'nothing-selected') {
      const what = params.select?.length ? params.select.join(' ') : 'this selection';
      output.warn(`nothing selected by ${what}: nothing ran`);
      void notify('info', `Medallion: nothing was selected by ${what}, so nothing ran.`);
    } else {
      output.info(doneLine(result));
      if (failed.length > 0) {
        // A failed test first: its rows are one click away.
        const first = failed.find((r) => r.status === 'fail') ?? failed[0]!;
        // A test that ran and found rows (not one that could not run) has failing rows to show.
        const actions = first.status === 'fail' ? ['Show failing rows', 'Open file'] : ['Open file'];
        void notify('error', `Medallion: ${first.name} ${first.status}: ${first.message.split('\n')[0]}`, ...actions).then(async (choice) => {
          if (choice === 'Show failing rows') return results.preview({ nodeId: first.uniqueId, ...(params.uri ? { uri: params.uri } : {}) }, `failing rows of ${first.name}`);
          if (choice !== 'Open file') return undefined;
          const docs = await vscode.workspace.findFiles(first.file.split('/').pop()!, undefined, 1);
          if (docs[0]) await vscode.window.showTextDocument(docs[0], { selection: new vscode.Range((first.line ?? 1) - 1, 0, (first.line ?? 1) - 1, 0) });
          return undefined;
        });
      }
    }
    return result;
  };

  /** A tree element of a node, when the command came from the Models view. */
  const treeNode = (arg: unknown): ModelsTreeNode | undefined => ((arg as ModelsElement | undefined)?.kind === 'node' ? (arg as Extract<ModelsElement, { kind: 'node' }>).node : undefined);
  /** The document a command is about: a Uri (explorer), a Models view node, else the active editor. */
  const activeUri = (arg?: unknown): string | undefined => {
    if (arg instanceof vscode.Uri) return arg.toString();
    const node = treeNode(arg);
    if (node) return node.uri;
    return vscode.window.activeTextEditor?.document.uri.toString();
  };
  /** A run of one node: seeds are seeded and snapshots snapshotted (dbt's `run` runs models only). */
  const runOne = (arg: unknown, extra: Partial<RunParams> = {}): RunParams => {
    const node = treeNode(arg);
    if (node?.resourceType === 'seed') return { command: 'seed', select: [node.name], uri: node.uri, ...extra };
    if (node?.resourceType === 'snapshot') return { command: 'snapshot', select: [node.name], uri: node.uri, ...extra };
    return { uri: activeUri(arg)!, ...extra };
  };
  const projectUri = (): string | undefined => {
    const f = vscode.workspace.workspaceFolders?.[0];
    return activeUri() ?? (f ? vscode.Uri.joinPath(f.uri, 'dbt_project.yml').toString() : undefined);
  };

  const results = new ResultsPanel(context, requests);
  /** The lineage view's node menu: the same runs and views as the editor's commands, for a node. */
  const lineageCommand = async (command: LineageCommand, node: LineageNode): Promise<unknown> => {
    const uri = node.uri ?? '';
    const own = node.resourceType === 'seed' ? 'seed' : node.resourceType === 'snapshot' ? 'snapshot' : undefined;
    switch (command) {
      case 'open':
        return vscode.window.showTextDocument(vscode.Uri.parse(uri), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(node.line ?? 0, 0, node.line ?? 0, 0) });
      case 'run':
        return runNodes(`Medallion: run ${node.name}`, own ? { command: own, select: [node.name], uri } : { uri });
      case 'runUpstream':
        return runNodes(`Medallion: run ${node.name} with upstream`, own ? { command: 'build', select: [`+${node.name}`], uri } : { uri, upstream: true });
      case 'runDownstream':
        return runNodes(`Medallion: run ${node.name} with downstream`, own ? { command: 'build', select: [`${node.name}+`], uri } : { uri, downstream: true });
      case 'test':
        return runNodes(`Medallion: test ${node.name}`, { command: 'test', select: [node.name], uri });
      case 'compile':
        return showCompiled(vscode.Uri.parse(uri), true);
      case 'preview':
        return trusted('query models') ? results.preview({ nodeId: node.id, uri }, node.name) : undefined;
    }
  };
  const lineage = new LineagePanel(context, requests, runStatus, lineageCommand);
  const compiled = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(COMPILED_SCHEME, { onDidChange: changed.event, provideTextDocumentContent: (uri) => compiled.get(uri.toString()) ?? '' }),
  );
  const showCompiled = async (source: vscode.Uri, reveal: boolean): Promise<void> => {
    const result = await requests.send<CompileResultMessage | null>(`compile ${path.basename(source.path)}`, CompileRequest, { uri: source.toString(), ...(target() ? { target: target()! } : {}) }, { quiet: !reveal });
    if (result === undefined) return;
    const view = vscode.Uri.parse(`${COMPILED_SCHEME}:${source.path}.compiled.sql`);
    const text = result?.sql ?? `-- could not compile:\n${(result?.problems ?? []).map((p) => `-- ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n')}`;
    compiled.set(view.toString(), text);
    changed.fire(view);
    if (reveal) await vscode.window.showTextDocument(view, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  };
  // Keep an open compiled view current as its model changes.
  context.subscriptions.push(
    vscode.workspace.onDidChangeTextDocument((e) => {
      const view = vscode.Uri.parse(`${COMPILED_SCHEME}:${e.document.uri.path}.compiled.sql`);
      if (compiled.has(view.toString())) void showCompiled(e.document.uri, false);
    }),
  );

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'medallion.runModel': (arg) => runNodes('Medallion: run model', runOne(arg)),
    'medallion.runModelWithUpstream': (arg) => runNodes('Medallion: run model with upstream', runOne(arg, { upstream: true })),
    'medallion.runModelWithDownstream': (arg) => runNodes('Medallion: run model with downstream', runOne(arg, { downstream: true })),
    'medallion.testModel': (arg) => runNodes('Medallion: test model', { uri: activeUri(arg)!, command: 'test' }),
    'medallion.fullRefresh': (arg) => runNodes('Medallion: full refresh', { uri: activeUri(arg)!, fullRefresh: true }),
    'medallion.buildProject': () => runNodes('Medallion: build project', { command: 'build', ...(projectUri() ? { uri: projectUri()!, select: ['*'] } : {}) }),
    'medallion.runLayer': async (arg) => {
      // From the Models view: that layer (or folder) of that project; from the palette: pick one of
      // the project's layers, or its folders when it has none.
      const element = arg as ModelsElement | undefined;
      let selector: string | undefined;
      let project = element && element.kind !== 'node' && element.kind !== 'project' ? element.project : undefined;
      if (element?.kind === 'layer') selector = `layer:${element.name}`;
      else if (element?.kind === 'folder') selector = `path:${element.folder.path}`;
      else {
        const projects = await models.projects();
        const active = activeUri();
        project = projects.find((p) => active?.startsWith(p.uri + '/')) ?? projects[0];
        if (!project) return vscode.window.showInformationMessage('Medallion: no dbt project in this workspace.');
        const runnable = (nodes: ModelsTreeNode[]): number => nodes.filter((n) => n.resourceType !== 'source').length;
        const choices =
          project.grouping === 'folder'
            ? flattenFolders(project.folders ?? []).map((f) => ({ label: f.path, description: `${f.count} nodes`, selector: `path:${f.path}` }))
            : project.layers.filter((l) => l.name !== 'other' && runnable(l.nodes) > 0).map((l) => ({ label: l.name, description: `${runnable(l.nodes)} nodes`, selector: `layer:${l.name}` }));
        const picked = await vscode.window.showQuickPick(choices, { placeHolder: project.grouping === 'folder' ? 'Run which folder? (this project has no layers)' : 'Run which layer?' });
        selector = picked?.selector;
      }
      if (!selector) return undefined;
      const uri = project ? vscode.Uri.joinPath(vscode.Uri.parse(project.uri), 'dbt_project.yml').toString() : projectUri();
      return runNodes(`Medallion: run ${selector}`, { select: [selector], ...(uri ? { uri } : {}) });
    },
    'medallion.filterModels': async () => {
      const text = await vscode.window.showInputBox({ prompt: 'Show only models, seeds, snapshots and sources whose name contains', value: models.filter ?? '' });
      if (text === undefined) return;
      models.setFilter(text);
      modelsTree.description = models.filter ? `filter: ${models.filter}` : undefined;
      await vscode.commands.executeCommand('setContext', 'medallion.modelsFiltered', models.filter !== undefined);
    },
    'medallion.clearModelsFilter': async () => {
      models.setFilter(undefined);
      modelsTree.description = undefined;
      await vscode.commands.executeCommand('setContext', 'medallion.modelsFiltered', false);
    },
    'medallion.compileModel': (arg) => {
      const uri = activeUri(arg);
      return uri ? showCompiled(vscode.Uri.parse(uri), true) : undefined;
    },
    'medallion.showLineage': async (arg) => {
      const node = treeNode(arg);
      const uri = activeUri(arg);
      if (!node && !uri) return;
      const rendered = lineage.whenRendered();
      // Not drawn when the server could not answer (said already): nothing to wait for.
      if (await lineage.show(node ? node.id : vscode.Uri.parse(uri!))) await rendered;
    },
    'medallion.selectTarget': async () => {
      const answer = await requests.send<TargetsResult>('list the profile\'s targets', TargetsRequest, { ...(projectUri() ? { uri: projectUri()! } : {}) });
      if (!answer) return;
      const { targets, defaultTarget } = answer;
      const picked = await vscode.window.showQuickPick(
        targets.map((t) => ({ label: t, description: t === defaultTarget ? 'profile default' : '' })),
        { placeHolder: 'Run and compile on which target?' },
      );
      if (picked) await config().update('target', picked.label, vscode.ConfigurationTarget.Workspace);
    },
    'medallion.setDatabricksToken': async () => {
      const value = await vscode.window.showInputBox({ prompt: 'Databricks personal access token (stored in VS Code SecretStorage, never in settings)', password: true, ignoreFocusOut: true });
      if (value === undefined) return;
      if (value === '') await context.secrets.delete(TOKEN_KEY);
      else await context.secrets.store(TOKEN_KEY, value);
      // The server reads it from its environment: restart it with the new value.
      await restart('Databricks token changed');
      void vscode.window.showInformationMessage(value ? 'Medallion: Databricks token saved.' : 'Medallion: Databricks token removed.');
    },
    'medallion.uploadLanding': async (): Promise<UploadLandingResult | undefined> => {
      if (!trusted('upload landing files')) return undefined;
      await ready;
      output.show(true);
      const uri = projectUri();
      return landing.run(uri ? { uri } : {});
    },
    'medallion.installPackages': async () => {
      if (!trusted('install packages')) return;
      await ready;
      const uri = projectUri();
      if (uri) await packages.installFor(uri);
    },
    'medallion.refreshModels': () => models.refresh(0),
    // What the lineage view shows, as node names (for tests and screen readers).
    'medallion.lineageViewNodes': () => lineage.rendered,
    'medallion.previewResults': (arg) => {
      const uri = activeUri(arg);
      if (!uri || !trusted('query models')) return undefined;
      // A selection in the active editor previews just that SQL, compiled in its model's context.
      const editor = vscode.window.activeTextEditor;
      const fromEditor = editor !== undefined && editor.document.uri.toString() === uri && !editor.selection.isEmpty;
      return results.preview({ uri, ...(fromEditor ? { text: editor.document.getText(editor.selection) } : {}) });
    },
    'medallion.previewCte': () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !trusted('query models')) return undefined;
      const at = editor.selection.active;
      return results.preview({ uri: editor.document.uri.toString(), cteAt: { line: at.line, character: at.character } });
    },
    // What the results grid shows: its columns and row count (for tests and screen readers).
    'medallion.resultsViewState': () => results.shown,
  };
  for (const [id, handler] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  registerWorkflowCommands(context, { requests, runNodes, projectUri, notify, refreshModels: () => models.refresh(0) });

  return {
    modelsView: () => models.snapshot(),
    refreshModels: () => models.refresh(0),
    lastRunStatus: (nodeId) => runStatus.get(nodeId)?.status,
    lineageView: () => lineage.state,
    lineageDo: (message) => lineage.tell(message),
    // Settled once no restart is pending or running (a burst of settings may still be debouncing).
    serverReady: async () => {
      for (;;) {
        const current = ready;
        await current.catch(() => undefined);
        if (pendingRestart) await new Promise((resolve) => setTimeout(resolve, 300));
        else if (current === ready) return;
      }
    },
    serverSettings: () => ({ ...startedWith }),
    statusBar: () => status.text,
    notices: () => [...notices],
  };
}

function flattenFolders(folders: ModelsFolder[]): ModelsFolder[] {
  return folders.flatMap((f) => [f, ...flattenFolders(f.folders)]);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
