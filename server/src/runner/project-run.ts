/**
 * One run from start to end, as the CLI and the language server start it: resolve the target,
 * open its engine, compile against what the warehouse holds, run, write dbt's artifacts, close.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Analysis } from '../core/analysis';
import type { Clock } from '../core/clock';
import type { FileHost } from '../core/host';
import { createCompiler, type TargetRequest } from '../core/session';
import { hostReader } from '../core/state-view';
import type { StateManifest } from '../core/state';
import type { Relation } from '../core/compiler/relation';
import type { Target } from '../core/profiles';
import { DatabricksEngine } from '../engines/databricks/engine';
import { DuckDbEngine } from '../engines/duckdb/engine';
import type { Engine } from '../engines/engine';
import { writeManifest, writeRunResults } from './artifacts';
import { landingOptionsFromEnv, landingResolver, warehouseLocations } from './landing-zone';
import { runNodes, type RunRequest } from './runner';
import { systemClock } from '../node/clock';
import type { RunSummary } from './types';

export interface ProjectRunRequest extends Omit<RunRequest, 'defer'>, TargetRequest {
  /** `--defer`: read unselected nodes from the relations of this state (`--state`, or `--defer-state`). */
  defer?: { manifest: StateManifest; favorState: boolean };
  /** Overrides the target's thread count. */
  threadsOverride?: number;
  /** `s3://bucket/prefix` for every landing table (else MEDALLION_LANDING_S3, else each table's own location). */
  landingRoot?: string;
  /** The run's clock (`run_started_at`, ...); default the machine's. */
  clock?: Clock;
  /** Where the engine comes from (the language server shares one per database file); else opened for this run. Its close() ends the run's use. */
  openEngine?: (target: Target) => Promise<Engine>;
}

export interface ProjectRunResult extends RunSummary {
  artifacts: string[];
}

/** The SQL each node of a run was compiled to (manifest.json carries it as compiled_code). */
function compiledSql(summary: RunSummary): Map<string, string> {
  const compiled = new Map<string, string>();
  for (const r of summary.results) if (r.compiledSql !== undefined) compiled.set(r.uniqueId, r.compiledSql);
  return compiled;
}

export async function openEngine(target: Target, projectRoot: string, env: Record<string, string | undefined>, options: { readOnly?: boolean } = {}): Promise<Engine> {
  if (target.type === 'duckdb') return DuckDbEngine.open(target, { projectRoot, ...(options.readOnly ? { readOnly: true } : {}) });
  if (target.type === 'databricks') return DatabricksEngine.open(target, env);
  throw new Error(`Target '${target.name}' has type '${target.type}'; runs are available on duckdb and databricks targets`);
}

/** dbt's `args` of run_results.json: what `retry` needs to run the same command again. */
export function runArgs(request: ProjectRunRequest, target: string): Record<string, unknown> {
  return {
    which: request.command,
    select: request.select ?? [],
    exclude: request.exclude ?? [],
    resource_types: request.resourceTypes ?? [],
    full_refresh: Boolean(request.fullRefresh),
    store_failures: Boolean(request.storeFailures),
    fail_fast: Boolean(request.failFast),
    target,
    vars: request.vars ?? {},
    ...(request.threadsOverride !== undefined ? { threads: request.threadsOverride } : {}),
    ...(request.state ? { state: request.state.dir } : {}),
    defer: Boolean(request.defer),
    favor_state: Boolean(request.defer?.favorState),
  };
}

export async function runProject(host: FileHost, analysis: Analysis, request: ProjectRunRequest): Promise<ProjectRunResult> {
  const invocationId = randomUUID();
  const known = new Map<string, boolean>();
  const deferred = new Map<string, Relation>();
  const clock = request.clock ?? systemClock();
  const { compiler, resolved } = createCompiler(host, analysis, {
    ...request,
    invocationId,
    clock,
    ...(request.fullRefresh ? { fullRefresh: true } : {}),
    ...(request.storeFailures ? { storeFailures: true } : {}),
    relationExists: (node) => known.get(node.uniqueId) ?? false,
    deferredRelation: (node) => deferred.get(node.uniqueId),
  });
  const failed = (message: string): ProjectRunResult => ({ command: request.command, target: resolved.target.name, results: [], elapsedSeconds: 0, cancelled: false, fatal: message, artifacts: [], landing: [] });
  const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return failed(errors.map((d) => `${d.file}: ${d.message}`).join('\n'));
  let engine: Engine;
  try {
    engine = await (request.openEngine ? request.openEngine(resolved.target) : openEngine(resolved.target, analysis.project.root, request.env));
  } catch (err) {
    return failed((err as Error).message);
  }
  try {
    const landing = landingOptionsFromEnv(analysis.project.root, request.env, request.landingRoot);
    if (request.signal) landing.signal = request.signal;
    landing.onSync = (table, r) => request.onEvent?.({ kind: 'phase', message: `landing ${table}: ${r.downloaded} new or changed files downloaded, ${r.unchanged} unchanged, ${r.removed} removed` });
    const { defer, ...rest } = request;
    const summary = await runNodes(analysis, engine, compiler, known, resolved.target.name, {
      readFile: hostReader(host, analysis.project.root),
      ...rest,
      ...(defer ? { defer: { ...defer, relations: deferred } } : {}),
      threads: request.threadsOverride ?? resolved.target.threads,
      landingDir: request.landingDir ?? (engine.landingAccess === 'warehouse' ? warehouseLocations(landing) : landingResolver(landing)),
    });
    const targetDir = resolve(analysis.project.root, analysis.project.config.targetPath);
    const artifacts = [
      writeManifest(targetDir, { analysis, host, compiler, target: resolved.target, invocationId, compiled: compiledSql(summary), runStartedAt: clock.started() }),
      writeRunResults(targetDir, summary, invocationId, runArgs(request, resolved.target.name)),
    ];
    return { ...summary, artifacts };
  } finally {
    await engine.close();
  }
}
