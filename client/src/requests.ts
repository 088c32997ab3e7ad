/**
 * The one way the client's commands ask the language server: a request the server refuses or
 * fails (an untrusted workspace, a file that defines no model, a bad state folder, the server gone)
 * is told to the person in the server's own words — an error notification and a line in the log —
 * and the command ends quietly with `undefined`, never with VS Code's generic "command failed". A
 * request the person cancelled says nothing.
 */
import * as vscode from 'vscode';
import type { CancellationToken, LanguageClient } from 'vscode-languageclient/node';

/** JSON-RPC's "request cancelled" and LSP's "server cancelled". */
const CANCELLED = new Set([-32800, -32802]);

/** Tells the person (a notification with optional actions; resolves with the one chosen). */
export type Notify = (level: 'info' | 'warning' | 'error', text: string, ...actions: string[]) => Thenable<string | undefined>;

export class Requests {
  constructor(
    private readonly client: () => LanguageClient,
    private readonly output: vscode.LogOutputChannel,
    private readonly notify: Notify,
  ) {}

  /**
   * Sends `method` for `what` (words for "could not …"); resolves undefined when it was refused,
   * failed or cancelled. `quiet`: background requests the person did not ask for only log.
   */
  async send<R>(what: string, method: string, params: object, options: { token?: CancellationToken; quiet?: boolean } = {}): Promise<R | undefined> {
    const { token } = options;
    try {
      return await (token ? this.client().sendRequest<R>(method, params, token) : this.client().sendRequest<R>(method, params));
    } catch (err) {
      this.fail(what, err, options);
      return undefined;
    }
  }

  /** Tells the person why `what` did not happen (nothing for a cancel; only the log when quiet). */
  fail(what: string, err: unknown, options: { token?: CancellationToken; quiet?: boolean } = {}): void {
    const code = (err as { code?: unknown } | undefined)?.code;
    if (options.token?.isCancellationRequested || err instanceof vscode.CancellationError || (typeof code === 'number' && CANCELLED.has(code))) {
      this.output.info(`${what}: cancelled`);
      return;
    }
    this.problem(what, err instanceof Error ? err.message : String(err), options.quiet);
  }

  /** `what` could not be done, for `reason` (the server's words): its first line as an error notification, all of it in the log. */
  problem(what: string, reason: string, quiet = false): void {
    this.output.error(`could not ${what}: ${reason}`);
    if (!quiet) void this.notify('error', `Medallion: could not ${what}: ${reason.split('\n')[0]}`);
  }
}
