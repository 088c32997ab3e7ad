/**
 * "Install packages" for editors: `medallion/depsStatus` says whether a project's packages need
 * installing (packages.yml present and dbt_packages/ missing or stale), `medallion/installDeps`
 * installs them as `medallion deps` does (refused in an untrusted workspace, through the server's
 * one trust guard, `ServerState.trustedOnly`); the client offers the action when the status has a
 * reason (client/src/packages-offer.ts). The types are in protocol.ts.
 */
import type { Connection } from 'vscode-languageserver/node';
import { depsStatus, DepsError, describePinned, installDeps } from '../deps/install';
import { DepsStatusRequest, InstallDepsRequest, type DepsParams, type DepsStatusResult, type InstallDepsResult } from './protocol';
import { findProjectRoot } from '../node/project-root';
import { uriToPath } from './convert';
import { dirname } from 'node:path';
import type { ServerState } from './state';

function projectOf(uri: string): string | undefined {
  const path = uriToPath(uri);
  return findProjectRoot(undefined, /\.[a-z]+$/i.test(path) ? dirname(path) : path);
}

export function registerDepsHandlers(connection: Connection, trustedOnly: ServerState['trustedOnly']): void {
  connection.onRequest(DepsStatusRequest, (params: DepsParams): DepsStatusResult => {
    const root = projectOf(params.uri);
    if (!root) return {};
    return { projectRoot: root, ...depsStatus(root, process.env as Record<string, string | undefined>) };
  });
  // Installing runs git and downloads code into the workspace: never in an untrusted one.
  const untrusted = async (): Promise<InstallDepsResult> => ({ ok: false, message: 'Medallion does not install packages in an untrusted workspace', packages: [] });
  connection.onRequest(InstallDepsRequest, trustedOnly(untrusted, async (params: DepsParams): Promise<InstallDepsResult> => {
    const root = projectOf(params.uri);
    if (!root) return { ok: false, message: 'No dbt project (dbt_project.yml) for this file', packages: [] };
    try {
      const result = await installDeps(root, { env: process.env as Record<string, string | undefined>, onEvent: (m) => connection.console.log(`deps: ${m}`) });
      return { ok: true, message: `Installed ${result.packages.length} packages`, packages: result.packages.map((p) => ({ name: p.name, version: describePinned(p.pinned) })) };
    } catch (err) {
      return { ok: false, message: err instanceof DepsError ? err.message : `Installing packages failed: ${(err as Error).message}`, packages: [] };
    }
  }));
}
