/**
 * The VS Code client: starts the bundled language server, registers Medallion's commands and
 * shows what they do (progress with cancel, a log, the compiled SQL beside the model, a status
 * bar). Logic lives in the server and the core; this file only connects VS Code to it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CompileRequest, RunEventNotification, RunRequest, TargetsRequest, type TargetsResult, type CompileResultMessage, type RunEventMessage, type RunParams, type RunResultMessage } from '../../server/src/lsp/protocol';
import { LineagePanel } from './lineage-panel';
import { ResultsPanel } from './results-panel';

let client: LanguageClient | undefined;
const TOKEN_KEY = 'medallion.databricksToken';
const COMPILED_SCHEME = 'medallion-compiled';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Medallion', { log: true });
  const serverModule = context.asAbsolutePath(path.join('dist', 'lsp-server.js'));
  // The Databricks token lives in SecretStorage and reaches the server only through its environment.
  const token = await context.secrets.get(TOKEN_KEY);
  const env = { ...process.env, ...(token ? { DATABRICKS_TOKEN: token } : {}) };
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { env } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { env } },
  };
  const config = vscode.workspace.getConfiguration('medallion');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'jinja-sql' },
      { scheme: 'file', pattern: '**/*.{yml,yaml}' },
    ],
    initializationOptions: config.get('layers') ? { layers: config.get('layers') } : {},
    outputChannel: output,
  };
  client = new LanguageClient('medallion', 'Medallion', serverOptions, clientOptions);
  await client.start();

  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.text = '$(database) Medallion';
  status.tooltip = 'Medallion: target and last run';
  status.command = 'medallion.buildProject';
  status.show();
  context.subscriptions.push(status, output);

  client.onNotification(RunEventNotification, (e: RunEventMessage) => {
    if (e.kind === 'phase') output.info(e.message ?? '');
    else if (e.kind === 'start') output.info(`${e.index}/${e.total} START ${e.name}`);
    else output.info(`${e.index}/${e.total} ${String(e.status).toUpperCase()} ${e.name}${e.status === 'error' || e.status === 'fail' ? `: ${e.message}` : ''}`);
  });

  /** The target chosen in settings (medallion.target), else the profile's default. */
  const target = (): string | undefined => vscode.workspace.getConfiguration('medallion').get<string>('target') || undefined;
  const threads = (): number | undefined => vscode.workspace.getConfiguration('medallion').get<number>('threads') || undefined;
  const showTarget = (): void => {
    status.text = `$(database) ${target() ?? 'default target'}`;
  };
  showTarget();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('medallion.target') && showTarget()));

  const run = async (title: string, params: RunParams): Promise<void> => {
    const chosen = target();
    if (chosen) params = { target: chosen, ...params };
    const n = threads();
    if (n) params = { threads: n, ...params };
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Medallion does not run models in an untrusted workspace.');
      return;
    }
    output.show(true);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) =>
      client!.sendRequest<RunResultMessage>(RunRequest, params, token),
    );
    const failed = result.results.filter((r) => r.status === 'error' || r.status === 'fail');
    status.text = `$(database) ${result.target}: ${result.cancelled ? 'cancelled' : failed.length ? `${failed.length} failed` : `${result.results.length} ok`}`;
    if (result.fatal) void vscode.window.showErrorMessage(`Medallion: ${result.fatal}`);
    else if (failed.length > 0) {
      const first = failed[0]!;
      const choice = await vscode.window.showErrorMessage(`Medallion: ${first.name} ${first.status}: ${first.message.split('\n')[0]}`, 'Open file');
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (choice === 'Open file' && folder) {
        const docs = await vscode.workspace.findFiles(first.file.split('/').pop()!, undefined, 1);
        if (docs[0]) await vscode.window.showTextDocument(docs[0], { selection: new vscode.Range((first.line ?? 1) - 1, 0, (first.line ?? 1) - 1, 0) });
      }
    }
  };

  const activeUri = (arg?: unknown): string | undefined => {
    if (arg instanceof vscode.Uri) return arg.toString();
    return vscode.window.activeTextEditor?.document.uri.toString();
  };

  const lineage = new LineagePanel(context, client);
  const results = new ResultsPanel(context, client);
  const compiled = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(COMPILED_SCHEME, { onDidChange: changed.event, provideTextDocumentContent: (uri) => compiled.get(uri.toString()) ?? '' }),
  );
  const showCompiled = async (source: vscode.Uri, reveal: boolean): Promise<void> => {
    const result = await client!.sendRequest<CompileResultMessage | null>(CompileRequest, { uri: source.toString(), ...(target() ? { target: target()! } : {}) });
    const view = vscode.Uri.parse(`${COMPILED_SCHEME}:${source.path}.compiled.sql`);
    const text = result?.sql ?? `-- could not compile:\n${(result?.problems ?? []).map((p) => `-- ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n')}`;
    compiled.set(view.toString(), text);
    changed.fire(view);
    if (reveal) await vscode.window.showTextDocument(view, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  };
  // Keep an open compiled view current as its model changes.
  context.subscriptions.push(
    vscode.workspace.onDidChangeTextDocument((e) => {
      const target = vscode.Uri.parse(`${COMPILED_SCHEME}:${e.document.uri.path}.compiled.sql`);
      if (compiled.has(target.toString())) void showCompiled(e.document.uri, false);
    }),
  );

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'medallion.runModel': (arg) => run('Medallion: run model', { uri: activeUri(arg)! }),
    'medallion.runModelWithUpstream': (arg) => run('Medallion: run model with upstream', { uri: activeUri(arg)!, upstream: true }),
    'medallion.runModelWithDownstream': (arg) => run('Medallion: run model with downstream', { uri: activeUri(arg)!, downstream: true }),
    'medallion.testModel': (arg) => run('Medallion: test model', { uri: activeUri(arg)!, command: 'test' }),
    'medallion.fullRefresh': (arg) => run('Medallion: full refresh', { uri: activeUri(arg)!, fullRefresh: true }),
    'medallion.buildProject': () => run('Medallion: build project', { command: 'build', ...(activeUri() ? { uri: activeUri()!, select: ['*'] } : {}) }),
    'medallion.runLayer': async () => {
      const layer = await vscode.window.showQuickPick(['bronze', 'silver', 'gold'], { placeHolder: 'Run which layer?' });
      if (layer) await run(`Medallion: run ${layer}`, { select: [`layer:${layer}`], ...(activeUri() ? { uri: activeUri()! } : {}) });
    },
    'medallion.compileModel': (arg) => {
      const uri = activeUri(arg);
      return uri ? showCompiled(vscode.Uri.parse(uri), true) : undefined;
    },
    'medallion.showLineage': async (arg) => {
      const uri = activeUri(arg);
      if (!uri) return;
      const rendered = lineage.whenRendered();
      await lineage.show(vscode.Uri.parse(uri));
      await rendered;
    },
    'medallion.selectTarget': async () => {
      const { targets, defaultTarget } = await client!.sendRequest<TargetsResult>(TargetsRequest, { ...(activeUri() ? { uri: activeUri()! } : {}) });
      const picked = await vscode.window.showQuickPick(
        targets.map((t) => ({ label: t, description: t === defaultTarget ? 'profile default' : '' })),
        { placeHolder: 'Run and compile on which target?' },
      );
      if (picked) await vscode.workspace.getConfiguration('medallion').update('target', picked.label, vscode.ConfigurationTarget.Workspace);
    },
    'medallion.setDatabricksToken': async () => {
      const value = await vscode.window.showInputBox({ prompt: 'Databricks personal access token (stored in VS Code SecretStorage, never in settings)', password: true, ignoreFocusOut: true });
      if (value === undefined) return;
      if (value === '') await context.secrets.delete(TOKEN_KEY);
      else await context.secrets.store(TOKEN_KEY, value);
      // The server reads it from its environment: restart it with the new value.
      await client!.stop();
      const fresh = await context.secrets.get(TOKEN_KEY);
      for (const mode of ['run', 'debug'] as const) {
        const options = (serverOptions as { run: { options: { env: NodeJS.ProcessEnv } }; debug: { options: { env: NodeJS.ProcessEnv } } })[mode].options;
        options.env = { ...process.env, ...(fresh ? { DATABRICKS_TOKEN: fresh } : {}) };
      }
      await client!.start();
      void vscode.window.showInformationMessage(fresh ? 'Medallion: Databricks token saved.' : 'Medallion: Databricks token removed.');
    },
    // What the lineage view shows, as node names (for tests and screen readers).
    'medallion.lineageViewNodes': () => lineage.rendered,
    'medallion.previewResults': (arg) => {
      const uri = activeUri(arg);
      return uri ? results.preview(vscode.Uri.parse(uri)) : undefined;
    },
    // What the results grid shows: its columns and row count (for tests and screen readers).
    'medallion.resultsViewState': () => results.shown,
  };
  for (const [id, handler] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
