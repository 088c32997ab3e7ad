/**
 * Medallion's own requests and their registration: compile, lineage, targets, models, run, show
 * and the landing upload. Those that render, run, preview or upload are registered behind the
 * one trust guard (`state.trustedOnly`), with the answer an untrusted workspace gets.
 */
import { ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import { mapCompiledLines } from '../../core/compiler/source-map';
import { joinPath } from '../../core/host';
import { nodesInFile } from '../../core/ide';
import { uploadProjectLanding } from '../../landing/project-upload';
import { landingOptionsFromEnv } from '../../runner/landing-zone';
import { EMPTY_LINEAGE, lineageRequest } from '../lineage';
import { modelsOfProject } from '../models';
import { profileStatus } from '../profile-status';
import {
  CompileRequest,
  LandingEventNotification,
  LineageRequest,
  ModelsRequest,
  RunRequest,
  ShowRequest,
  TargetsRequest,
  UploadLandingRequest,
  type CompileParams,
  type CompileResultMessage,
  type LineageParams,
  type LineageResult,
  type ModelsParams,
  type ModelsResult,
  type RunParams,
  type ShowParams,
  type TargetsResult,
  type UploadLandingParams,
  type UploadLandingResult,
} from '../protocol';
import { UNTRUSTED, type ServerState } from '../state';
import { run } from './run';
import { emptyShow, show } from './show';

const refused = (): ResponseError<void> => new ResponseError<void>(-32600, UNTRUSTED);

export function registerRequestHandlers(state: ServerState): void {
  const { connection } = state;

  connection.onRequest(
    CompileRequest,
    state.guard(
      'compile',
      state.trustedOnly(
        (params: CompileParams): CompileResultMessage | null => {
          const where = state.at(params.uri);
          return where ? { nodeId: null, sql: null, lineMap: null, relation: null, target: params.target ?? '', problems: [{ message: UNTRUSTED, file: where.file }] } : null;
        },
        (params: CompileParams): CompileResultMessage | null => compile(state, params),
      ),
    ),
  );

  connection.onRequest(
    LineageRequest,
    state.guard('lineage', (params: LineageParams): LineageResult => {
      const where = params.uri ? state.at(params.uri) : undefined;
      const project = where?.project ?? state.workspace.all().find((p) => params.nodeId && lineageRequest({ analysis: p.get(), root: p.root, lines: state.lines }, { nodeId: params.nodeId, depth: 0 }).focus);
      if (!project) return EMPTY_LINEAGE;
      const columns = state.trustedColumns;
      // Columns from the column model (engine-bound, exact where DuckDB traced them) once it is computed.
      return lineageRequest({ analysis: project.get(), root: project.root, lines: state.lines, ...(where ? { file: where.file } : {}), ...(columns ? { compiler: () => project.compilerFor(), modelledColumns: (ids: Set<string>) => columns.lineage(project, ids) } : {}) }, params);
    }),
  );

  connection.onRequest(
    TargetsRequest,
    state.guard('targets', (params: { uri?: string }): TargetsResult => {
      const where = params.uri ? state.at(params.uri) : undefined;
      const project = where?.project ?? state.workspace.all()[0];
      if (!project) return { targets: [], defaultTarget: '' };
      return { targets: project.targets(), defaultTarget: project.compilerFor().options.target.name, profile: profileStatus(state.workspace.host, project.get(), state.env) };
    }),
  );

  connection.onRequest(
    ModelsRequest,
    state.guard('models', (params: ModelsParams): ModelsResult => {
      const only = params.uri ? state.at(params.uri)?.project : undefined;
      const projects = only ? [only] : state.workspace.all();
      return {
        projects: projects.map((project) => {
          if (!project.loaded) state.schedule(project);
          return modelsOfProject(project.get(), project.root, state.lines);
        }),
      };
    }),
  );

  connection.onRequest(RunRequest, state.trustedOnly(refused, (params: RunParams, token: CancellationToken) => run(state, params, token)));
  connection.onRequest(ShowRequest, state.trustedOnly(() => emptyShow(UNTRUSTED), (params: ShowParams, token: CancellationToken) => show(state, params, token)));
  connection.onRequest(UploadLandingRequest, state.trustedOnly(refused, (params: UploadLandingParams, token: CancellationToken) => uploadLanding(state, params, token)));
}

function compile(state: ServerState, params: CompileParams): CompileResultMessage | null {
  const where = state.at(params.uri);
  if (!where) return null;
  const analysis = where.project.get();
  const node = nodesInFile(analysis, where.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test');
  const compiler = where.project.compilerFor(params.target);
  if (!node) return { nodeId: null, sql: null, lineMap: null, relation: null, target: compiler.options.target.name, problems: [{ message: 'This file defines no model, snapshot or test', file: where.file }] };
  const result = compiler.compile(node.uniqueId);
  const template = state.textOf(where.path);
  return {
    nodeId: node.uniqueId,
    sql: result.sql ?? null,
    lineMap: result.sql !== undefined ? mapCompiledLines(template, result.sql) : null,
    relation: result.relation ?? null,
    target: compiler.options.target.name,
    problems: result.diagnostics.map((d) => ({ message: d.message, file: d.file, ...(d.span ? { line: state.lines.range(joinPath(where.project.root, d.file), d.span).start.line + 1 } : {}) })),
  };
}

async function uploadLanding(state: ServerState, params: UploadLandingParams, token: CancellationToken): Promise<UploadLandingResult | ResponseError<void>> {
  const { connection } = state;
  const project = (params.uri ? state.at(params.uri)?.project : undefined) ?? state.workspace.all()[0];
  if (!project) return new ResponseError<void>(-32602, 'No dbt project in this workspace');
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  try {
    const zone = landingOptionsFromEnv(project.root, state.env);
    const tables = await uploadProjectLanding(project.get(), zone, {
      ...(params.dir ? { dir: params.dir } : {}),
      ...(params.source ? { source: params.source } : {}),
      signal: controller.signal,
      onTable: (table, from, to) => void connection.sendNotification(LandingEventNotification, { kind: 'table', table, from, to }),
      onProgress: (table, p) => void connection.sendNotification(LandingEventNotification, { kind: 'progress', table, file: p.file, bytes: p.bytes, total: p.total }),
    });
    return { root: project.root, cancelled: controller.signal.aborted, tables };
  } catch (err) {
    connection.console.error(`landing upload failed: ${(err as Error).stack ?? String(err)}`);
    return new ResponseError<void>(-32603, `landing upload failed: ${(err as Error).message}`);
  }
}
