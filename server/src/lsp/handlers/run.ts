/**
 * `medallion/run`: a selection, or a document's model with its upstream or downstream. One run at
 * a time per project and per DuckDB file (a second one waits, told so by a run event and its
 * progress); the run compiles the analysis version current when it starts (pinned: edits
 * meanwhile make a new version) and shares the engine of its database file with previews. A
 * failure to open the engine is explained (runner/failures.ts) as the CLI explains it.
 */
import { ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import { nodesInFile } from '../../core/ide';
import type { ProjectNode } from '../../core/model';
import { defaultProfilesDirs } from '../../core/session';
import { explainFailure } from '../../runner/failures';
import { sharedDatabaseFile } from '../../runner/engine-registry';
import { runProject } from '../../runner/project-run';
import { RunEventNotification, type RunEventMessage, type RunParams, type RunResultMessage } from '../protocol';
import { runEventDetails, runResultDetails } from '../run-events';
import { enterAll } from '../run-queue';
import type { ServerState } from '../state';
import { runStateOptions } from '../workflow-handlers';

export async function run(state: ServerState, params: RunParams, token: CancellationToken): Promise<RunResultMessage | ResponseError<void>> {
  const { connection } = state;
  const where = params.uri ? state.at(params.uri) : undefined;
  const project = where?.project ?? state.workspace.all()[0];
  if (!project) return new ResponseError<void>(-32602, 'No dbt project in this workspace');
  // Run Modified and the deferral setting: the state folder read as the CLI reads --state.
  const stateOptions = runStateOptions(project.root, project.get().project.config.targetPath, params);
  if ((params.state || params.defer) && (!stateOptions.state || (params.defer && !stateOptions.defer))) return new ResponseError<void>(-32602, stateOptions.problems.join('\n'));
  for (const p of stateOptions.problems) connection.console.warn(`state: ${p}`);
  let select = params.select ?? [];
  if (where && select.length === 0) {
    const node = nodesInFile(project.get(), where.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test');
    if (!node) return new ResponseError<void>(-32602, `${where.file} defines no model to run`);
    select = [`${params.upstream ? '+' : ''}${node.name}${params.downstream ? '+' : ''}`];
  }
  const title = `${params.command ?? 'run'} ${select.join(' ')}`;
  const controller = state.cancellation(token);
  const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
  progress?.begin(`Medallion: ${title}`, 0, 'starting', true);
  progress?.token.onCancellationRequested(() => controller.abort());
  const send = (message: RunEventMessage): void => void connection.sendNotification(RunEventNotification, message);
  const waiting = (message: string): void => {
    send({ kind: 'phase', message });
    progress?.report(0, message);
  };
  // One run at a time per project (its relations, its target/ artifacts) and per database file
  // (two projects whose profiles point at one DuckDB file share its one instance).
  const file = sharedDatabaseFile(project.compilerFor(params.target).options.target, project.root);
  const queues = [{ queue: state.runQueue(project.root), onWait: (running: string) => waiting(`waiting for the running build (${running}) to finish`) }];
  if (file) queues.push({ queue: state.runQueue(file), onWait: (running) => waiting(`waiting for the running build (${running}) on ${file} to finish`) });
  let leave: (() => void) | undefined;
  try {
    leave = await enterAll(queues, `${title} in ${project.get().project.config.name}`, controller.signal);
  } catch (err) {
    progress?.done();
    return { target: params.target ?? '', cancelled: true, fatal: (err as Error).message, elapsedSeconds: 0, results: [] };
  }
  const pinned = project.pin();
  try {
    const analysis = pinned.analysis;
    // "With upstream" means everything the model needs gets built: seeds and snapshots too, not
    // only models (dbt's `run +model` would leave an unbuilt snapshot failing the model).
    const withUpstream = Boolean(params.upstream) && (params.command ?? 'run') === 'run';
    const compiler = project.compilerFor(params.target);
    const startRelation = (node: ProjectNode): string | undefined => {
      if (node.resourceType === 'test' || node.resourceType === 'unit_test' || node.config.materialized === 'ephemeral') return undefined;
      try {
        return compiler.relation(node).render();
      } catch {
        return undefined;
      }
    };
    const env = state.env;
    const summary = await runProject(state.workspace.host, analysis, {
      command: withUpstream ? 'build' : (params.command ?? 'run'),
      ...(withUpstream ? { resourceTypes: ['model', 'seed', 'snapshot'] } : {}),
      select,
      threads: 0,
      ...(params.threads ? { threadsOverride: params.threads } : {}),
      ...(params.fullRefresh ? { fullRefresh: true } : {}),
      ...(params.target ? { target: params.target } : {}),
      ...(stateOptions.state ? { state: stateOptions.state } : {}),
      ...(stateOptions.defer ? { defer: stateOptions.defer } : {}),
      env,
      profilesDirs: defaultProfilesDirs(project.root, env),
      signal: controller.signal,
      openEngine: (target) => state.engines.acquire(target, project.root, env, 'run'),
      onEvent: (e) => {
        send(
          e.kind === 'phase'
            ? { kind: 'phase', message: e.message }
            : e.kind === 'start'
              ? { kind: 'start', nodeId: e.node.uniqueId, name: e.node.name, index: e.index, total: e.total, ...runEventDetails(e.node, startRelation(e.node)) }
              : { kind: 'finish', nodeId: e.result.uniqueId, name: e.result.name, status: e.result.status, message: e.result.message, index: e.index, total: e.total, ...runResultDetails(e.result, analysis.project.nodes.get(e.result.uniqueId)) },
        );
        if (e.kind === 'finish') progress?.report(Math.round((100 * e.index) / e.total), `${e.index}/${e.total} ${e.result.name} ${e.result.status}`);
      },
    });
    return {
      target: summary.target,
      cancelled: summary.cancelled,
      fatal: summary.fatal !== undefined ? explainFailure(summary.fatal) : null,
      elapsedSeconds: summary.elapsedSeconds,
      results: summary.results.map(({ compiledSql: _sql, startedAt: _s, completedAt: _c, thread: _t, resourceType: _r, ...r }) => r),
    };
  } catch (err) {
    connection.console.error(`run failed: ${(err as Error).stack ?? String(err)}`);
    return new ResponseError<void>(-32603, `run failed: ${explainFailure((err as Error).message)}`);
  } finally {
    pinned.release();
    leave();
    progress?.done();
  }
}
