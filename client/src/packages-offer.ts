/**
 * "Install packages": when a project lists packages (packages.yml / dependencies.yml) and
 * dbt_packages/ is missing or stale, offer to install them once per project and reason, instead of
 * leaving the user with a wall of unknown-ref errors. The server does the work (medallion/installDeps,
 * as `medallion deps`); the reload follows from its file watcher seeing dbt_packages/ change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DepsStatusRequest, InstallDepsRequest, type DepsStatusResult, type InstallDepsResult } from '../../server/src/lsp/protocol';

export class PackagesOffer {
  /** project root → the reason already offered (asked again only when the reason changes). */
  private readonly offered = new Map<string, string>();

  constructor(
    private readonly lsp: LanguageClient,
    private readonly output: vscode.OutputChannel,
  ) {}

  /** After an analysis of `root` completes: offer an install if its packages need one. */
  async check(root: string): Promise<void> {
    let status: DepsStatusResult;
    try {
      status = await this.lsp.sendRequest<DepsStatusResult>(DepsStatusRequest, { uri: vscode.Uri.file(root).toString() });
    } catch {
      return;
    }
    if (!status.reason) {
      this.offered.delete(root);
      return;
    }
    if (this.offered.get(root) === status.reason) return;
    this.offered.set(root, status.reason);
    const what = status.message ?? `the packages of ${status.packagesFile ?? 'packages.yml'} are not installed`;
    const choice = await vscode.window.showWarningMessage(`Medallion (${path.basename(root)}): ${what}`, 'Install packages');
    if (choice === 'Install packages') await this.install(root);
  }

  /** The command: install the packages of the project holding `uri` (a file or folder of it). */
  async installFor(uri: string): Promise<void> {
    const status = await this.lsp.sendRequest<DepsStatusResult>(DepsStatusRequest, { uri });
    if (!status.projectRoot) {
      void vscode.window.showErrorMessage('Medallion: no dbt project (dbt_project.yml) here');
      return;
    }
    if (!status.packagesFile) {
      void vscode.window.showInformationMessage(`Medallion: ${path.basename(status.projectRoot)} lists no packages (packages.yml or dependencies.yml)`);
      return;
    }
    await this.install(status.projectRoot);
  }

  async install(root: string): Promise<void> {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Medallion: installing dbt packages of ${path.basename(root)}…` },
      () => this.lsp.sendRequest<InstallDepsResult>(InstallDepsRequest, { uri: vscode.Uri.file(root).toString() }),
    );
    if (result.ok) {
      this.output.appendLine(`${result.message}: ${result.packages.map((p) => `${p.name} ${p.version}`).join(', ')}`);
      void vscode.window.showInformationMessage(`Medallion: ${result.message}`);
    } else {
      this.offered.delete(root);
      void vscode.window.showErrorMessage(`Medallion: ${result.message}`);
    }
  }
}
