/** Open, changed, closed and saved documents and watched files: each updates the workspace and schedules a re-publication. */
import { FileChangeType, type TextDocumentChangeEvent } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { normalizePath } from '../../core/host';
import type { Target } from '../../core/profiles';
import { DatabricksSyntaxChecker } from '../../engines/databricks/validate';
import { checkDuckDbSyntax } from '../../engines/duckdb/validate';
import { uriToPath } from '../convert';
import { checkSavedDocument, type SyntaxCheck } from '../save-check';
import type { ServerState } from '../state';

export function registerDocumentHandlers(state: ServerState): void {
  const { connection, documents, workspace } = state;
  documents.onDidOpen((e) => {
    const path = normalizePath(uriToPath(e.document.uri));
    const text = e.document.getText();
    const same = workspace.host.read(path);
    workspace.host.overlays.set(path, text);
    // Opening a file whose text is what the project already read changes nothing.
    if (same.kind === 'text' && same.text === text) return state.schedule(workspace.projectFor(path));
    state.schedule(workspace.documentEdited(path, text));
  });
  documents.onDidChangeContent((e) => {
    const path = normalizePath(uriToPath(e.document.uri));
    const text = e.document.getText();
    if (workspace.host.overlays.get(path) === text) return;
    workspace.host.overlays.set(path, text);
    state.edited();
    state.schedule(workspace.documentEdited(path, text));
  });
  documents.onDidClose((e) => {
    const path = normalizePath(uriToPath(e.document.uri));
    workspace.host.overlays.delete(path);
    state.schedule(workspace.fileChanged(path));
  });
  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const path = normalizePath(uriToPath(change.uri));
      // An open file's own edits come as document changes; but a file created on disk is new to the
      // project even when the editor opened it before this event arrived.
      if (change.type === FileChangeType.Changed && workspace.host.overlays.has(path)) continue;
      state.schedule(workspace.fileChanged(path));
    }
  });

  const databricksCheckers = new Map<string, DatabricksSyntaxChecker>();
  const unavailable = new Set<string>();
  const check: SyntaxCheck = (target: Target, root: string, sql: string) => {
    if (target.type === 'duckdb') return checkDuckDbSyntax(sql);
    const key = `${root}\u0000${target.name}`;
    let checker = databricksCheckers.get(key);
    if (!checker) databricksCheckers.set(key, (checker = new DatabricksSyntaxChecker(target, state.env)));
    return checker.check(sql, (why) => {
      if (unavailable.has(target.name)) return;
      unavailable.add(target.name);
      connection.console.info(`SQL is not checked by the warehouse on save (target ${target.name}): ${why}`);
    });
  };
  connection.onShutdown(() => state.shutdown([...databricksCheckers.values()].map((c) => c.close())));
  documents.onDidSave(
    state.trustedOnly(
      () => undefined,
      (e: TextDocumentChangeEvent<TextDocument>) => {
        const where = state.at(e.document.uri);
        if (!where || !where.file.endsWith('.sql')) return;
        state.columns.saved(where.project, where.file);
        const uri = e.document.uri;
        checkSavedDocument(where, { text: e.document.getText(), version: e.document.version }, { check, lines: state.lines, currentVersion: () => documents.get(uri)?.version, schedule: () => state.schedule(where.project) }).catch((err: unknown) =>
          connection.console.error(`validation of ${where.file} failed: ${(err as Error).stack ?? String(err)}`),
        );
      },
    ),
  );
}
