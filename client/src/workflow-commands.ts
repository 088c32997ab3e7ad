/**
 * dbt's daily workflows in the editor: **Run Modified** (`state:modified+` against the state
 * folder of `medallion.state.path`), every run deferring to that state when `medallion.state.defer`
 * is on, and **Check Source Freshness** (which landing sources went stale). The server does the
 * work (`medallion/run` with state/defer, `medallion/sourceFreshness`); this file only asks.
 */
import * as vscode from 'vscode';
import { SourceFreshnessRequest, type RunParams, type RunResultMessage, type SourceFreshnessResult } from '../../server/src/lsp/protocol';
import type { Requests } from './requests';
import { staleSources, stateRunParams, type StateSettings } from './workflow-settings';

export { stateRunParams } from './workflow-settings';

export function readStateSettings(): StateSettings {
  const config = vscode.workspace.getConfiguration('medallion');
  return { path: config.get<string>('state.path', ''), defer: config.get<boolean>('state.defer', false), favorState: config.get<boolean>('state.favorState', false) };
}

export function registerWorkflowCommands(
  context: vscode.ExtensionContext,
  deps: {
    requests: Requests;
    runNodes: (title: string, params: RunParams) => Promise<RunResultMessage | undefined>;
    projectUri: () => string | undefined;
    /** Tells the person (and keeps the text for the extension's test API). */
    notify: (level: 'info' | 'warning', text: string) => Thenable<unknown>;
    /** The Models view reads the new check (stale sources). */
    refreshModels: () => void;
  },
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('medallion.runModified', async () => {
      const settings = readStateSettings();
      if (!settings.path.trim()) {
        const choice = await vscode.window.showWarningMessage('Medallion: Run Modified compares with another run\'s artifacts (its manifest.json): set medallion.state.path to that folder.', 'Open Settings');
        if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'medallion.state');
        return undefined;
      }
      const uri = deps.projectUri();
      return deps.runNodes(`Medallion: build state:modified+ (against ${settings.path})`, { command: 'build', select: ['state:modified+'], ...stateRunParams(settings), ...(uri ? { uri } : {}) });
    }),
    vscode.commands.registerCommand('medallion.checkSourceFreshness', async () => {
      const uri = deps.projectUri();
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Medallion: checking source freshness' }, () =>
        deps.requests.send<SourceFreshnessResult>('check source freshness', SourceFreshnessRequest, { check: true, ...(uri ? { uri } : {}) }),
      );
      if (!result) return undefined;
      deps.refreshModels();
      const stale = staleSources(result);
      // Not awaited: a notification settles only when it is dismissed, the command is done now.
      if (result.sources.length === 0) void deps.notify('info', 'Medallion: no source has freshness criteria (warn_after / error_after).');
      else if (stale.length === 0) void deps.notify('info', `Medallion: all ${result.sources.length} sources are fresh.`);
      else void deps.notify('warning', `Medallion: stale sources: ${stale.map((s) => `${s.name} (${s.status})`).join(', ')}`);
      return result;
    }),
  );
}
