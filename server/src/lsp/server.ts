/**
 * The language server: a thin adapter from LSP to the core. One state object (state.ts) holds
 * the workspace, trust, the engines and the run queues; handler modules (handlers/*.ts) are thin
 * functions of it and their params. One failing handler answers with an error; the server stays
 * up. Concurrency: one DuckDB instance per database file (runner/engine-registry.ts), one run at a
 * time per project and per DuckDB file (run-queue.ts), runs compile a pinned analysis version
 * (workspace.ts `pin`), on-save checks are dropped when the document changed meanwhile (save-check.ts).
 */
import { CodeActionKind, createConnection, DidChangeWatchedFilesNotification, ProposedFeatures, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { DEFAULT_LAYER_OPTIONS, type LayerOptions } from '../core/graph';
import { uriToPath } from './convert';
import { registerDepsHandlers } from './deps-handlers';
import { registerDocumentHandlers } from './handlers/documents';
import { registerNavigationHandlers } from './handlers/navigation';
import { registerRequestHandlers } from './handlers/requests';
import type { InitializationOptions } from './protocol';
import { ServerState } from './state';
import { watchIpc, watchStdin } from './stdio-watch';
import { registerWorkflowHandlers } from './workflow-handlers';

/**
 * Over stdio and node IPC the input is read by a worker (stdio-watch.ts) so that a `shutdown` or
 * `exit` sent during a long first load stops it; sockets as vscode-languageserver reads them.
 */
function defaultConnection(shutDown: () => boolean): { connection: Connection; stopRequested?: () => boolean } {
  if (process.argv.includes('--node-ipc')) {
    // The channel ended: the client is gone (the library ends the process so when stdio's input ends).
    const stopRequested = watchIpc(() => process.exit(shutDown() ? 0 : 1));
    return { connection: createConnection(ProposedFeatures.all), ...(stopRequested ? { stopRequested } : {}) };
  }
  if (!process.argv.includes('--stdio')) return { connection: createConnection(ProposedFeatures.all) };
  const { input, stopRequested } = watchStdin();
  const connection = createConnection(ProposedFeatures.all, input, process.stdout);
  // (Given as streams, the library ends the process when the input ends, as for its own stdin.)
  // What the library does for its own --stdio: stdout is the protocol, console output goes to the client's log.
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
  console.info = (...args: unknown[]) => connection.console.info(args.map(String).join(' '));
  console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
  console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
  console.debug = console.log;
  return { connection, stopRequested };
}

export function startServer(given?: Connection): void {
  let state: ServerState | undefined;
  const { connection, stopRequested } = given ? { connection: given } : defaultConnection(() => state?.closing === true);
  state = new ServerState(connection, stopRequested);
  const { workspace } = state;

  connection.onInitialize((params): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as InitializationOptions & { layers?: LayerOptions };
    state.trusted = options.trusted !== false;
    workspace.settings.trusted = state.trusted;
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

  registerDocumentHandlers(state);
  registerNavigationHandlers(state);
  registerRequestHandlers(state);
  registerDepsHandlers(connection, state.trustedOnly.bind(state));
  // Source freshness and the state status: the document's project, else the first.
  registerWorkflowHandlers(connection, () => state.trusted, (uri) => {
    const project = (uri ? state.at(uri)?.project : undefined) ?? workspace.all()[0];
    return project ? { root: project.root, analysis: project.get() } : undefined;
  }, state.engines);

  state.documents.listen(connection);
  connection.listen();
}
