/**
 * "Install packages": when a project lists packages (packages.yml / dependencies.yml) and
 * dbt_packages/ is missing or stale, offer to install them once per project and reason, instead of
 * leaving the user with a wall of unknown-ref errors. The server does the work (medallion/installDeps,
 * as `medallion deps`); the reload follows from its file watcher seeing dbt_packages/ change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DepsStatusRequest, InstallDepsRequest, type DepsStatusResult, type InstallDepsResult } from '../../server/src/lsp/protocol';
import type { Notify, Requests } from './requests';

export class PackagesOffer {
  /** project root → the reason already offered (asked again only when the reason changes). */
  private readonly offered = new Map<string, string>();

  constructor(
    private readonly requests: Requests,
    private readonly output: vscode.OutputChannel,
    private readonly notify: Notify,
  ) {}

  /** After an analysis of `root` completes: offer an install if its packages need one. */
  async check(root: string): Promise<void> {
    // In the background after each analysis: a failure only logs.
    const status = await this.requests.send<DepsStatusResult>(`check the packages of ${path.basename(root)}`, DepsStatusRequest, { uri: vscode.Uri.file(root).toString() }, { quiet: true });
    if (!status) return;
    if (!status.reason) {
      this.offered.delete(root);
      return;
    }
    if (this.offered.get(root) === status.reason) return;
    this.offered.set(root, status.reason);
    const what = status.message ?? `the packages of ${status.packagesFile ?? 'packages.yml'} are not installed`;
    const choice = await this.notify('warning', `Medallion (${path.basename(root)}): ${what}`, 'Install packages');
    if (choice === 'Install packages') await this.install(root);
  }

  /** The command: install the packages of the project holding `uri` (a file or folder of it). */
  async installFor(uri: string): Promise<void> {
    const status = await this.requests.send<DepsStatusResult>('check the project\'s packages', DepsStatusRequest, { uri });
    if (!status) return;
    if (!status.projectRoot) {
      void this.notify('error', 'Medallion: no dbt project (dbt_project.yml) here');
      return;
    }
    if (!status.packagesFile) {
      void this.notify('info', `Medallion: ${path.basename(status.projectRoot)} lists no packages (packages.yml or dependencies.yml)`);
      return;
    }
    await this.install(status.projectRoot);
  }

  async install(root: string): Promise<void> {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Medallion: installing dbt packages of ${path.basename(root)}…` },
      () => this.requests.send<InstallDepsResult>(`install the packages of ${path.basename(root)}`, InstallDepsRequest, { uri: vscode.Uri.file(root).toString() }),
    );
    if (!result) {
      this.offered.delete(root);
      return;
    }
    if (result.ok) {
      this.output.appendLine(`${result.message}: ${result.packages.map((p) => `${p.name} ${p.version}`).join(', ')}`);
      void this.notify('info', `Medallion: ${result.message}`);
    } else {
      this.offered.delete(root);
      void this.notify('error', `Medallion: ${result.message}`);
    }
  }
}
