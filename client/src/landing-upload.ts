/**
 * Upload Landing Files: the server uploads each landing table's local files to the project's
 * landing location on S3 (`medallion/uploadLanding`, the same code as `medallion landing upload`),
 * with a progress notification that can cancel and a log of each table. Credentials stay in the
 * AWS chain of the server's environment; nothing here sees or logs a key.
 */
import * as vscode from 'vscode';
import { UploadLandingRequest, type LandingEventMessage, type UploadLandingParams, type UploadLandingResult } from '../../server/src/lsp/protocol';
import type { Requests } from './requests';

export class LandingUpload {
  private progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  private lastReport = 0;

  constructor(
    private readonly requests: Requests,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Called for every `medallion/landingEvent` (one notification handler per method in the client). */
  onEvent(e: LandingEventMessage): void {
    if (e.kind === 'table') {
      this.output.info(`landing ${e.table}: uploading ${e.from} → ${e.to}`);
      this.progress?.report({ message: e.table });
    } else if (this.progress && Date.now() - this.lastReport > 200) {
      this.lastReport = Date.now();
      this.progress.report({ message: `${e.table}: ${e.file} ${Math.round((100 * (e.bytes ?? 0)) / Math.max(1, e.total ?? 1))}%` });
    }
  }

  async run(params: UploadLandingParams): Promise<UploadLandingResult | undefined> {
    this.output.info('landing upload: started');
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Medallion: uploading landing files', cancellable: true }, async (progress, token) => {
      this.progress = progress;
      try {
        return await this.requests.send<UploadLandingResult>('upload the landing files', UploadLandingRequest, params, { token });
      } finally {
        this.progress = undefined;
      }
    });
    // Cancelled, refused or failed: Requests has said so.
    if (!result) return undefined;
    let uploaded = 0;
    const failed: string[] = [];
    const notes: string[] = [];
    for (const t of result.tables) {
      if (t.status === 'uploaded') {
        uploaded++;
        this.output.info(`landing ${t.table}: uploaded ${t.files} files (${t.bytes} bytes) to ${t.to}`);
      } else if (t.status === 'local') {
        notes.push(t.table);
        this.output.info(`landing ${t.table}: lands in the local folder ${t.to}; nothing to upload (set medallion.landing.location to an s3:// location)`);
      } else if (t.status === 'missing') {
        this.output.warn(`landing ${t.table}: no local folder to upload${t.from ? ` (${t.from} does not exist)` : ' (the table declares an S3 location)'}, skipped`);
      } else {
        failed.push(t.table);
        this.output.error(`landing ${t.table}: ${t.message}`);
      }
    }
    if (result.cancelled) void vscode.window.showWarningMessage(`Medallion: landing upload cancelled after ${uploaded} tables.`);
    else if (failed.length > 0) void vscode.window.showErrorMessage(`Medallion: landing upload failed for ${failed.join(', ')} (see the Medallion output).`);
    else if (uploaded === 0 && notes.length > 0) void vscode.window.showInformationMessage('Medallion: the landing tables land in local folders; set medallion.landing.location to upload them to S3.');
    else void vscode.window.showInformationMessage(`Medallion: uploaded ${uploaded} landing tables.`);
    return result;
  }
}
