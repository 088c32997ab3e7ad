/**
 * `medallion source freshness`: dbt's freshness check of the selected sources, written to
 * target/sources.json in dbt's schema. A source with a `loaded_at_field` (or `loaded_at_query`)
 * is measured by the warehouse, as dbt does (landing sources are loaded first, so the check sees
 * the files that have landed now); a landing source without one is measured by its files' arrival
 * times (modification times on disk, LastModified on S3): when raw files stop arriving, it goes stale.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Analysis } from '../core/analysis';
import type { Clock } from '../core/clock';
import { freshnessOf, freshnessQuery, freshnessStatus, parseTimestamp, sourcesArtifact, type FreshnessOutcome, type FreshnessSpec } from '../core/freshness';
import type { FileHost } from '../core/host';
import type { ProjectNode } from '../core/model';
import type { Target } from '../core/profiles';
import { selectNodes } from '../core/selector';
import { createCompiler, type TargetRequest } from '../core/session';
import type { Engine } from '../engines/engine';
import { parseLocation } from '../landing/location';
import { landingSpec, loadLandingTables, type LandingSpec } from './landing';
import { landingOptionsFromEnv, landingResolver, tableLocation, warehouseLocations } from './landing-zone';
import { openEngine } from './project-run';
import { systemClock } from '../node/clock';

export interface FreshnessRequest extends TargetRequest {
  select?: string[];
  exclude?: string[];
  landingRoot?: string;
  signal?: AbortSignal;
  onEvent?: (event: FreshnessEvent) => void;
  /** The clock: the machine's unless given (tests pin it). */
  clock?: Clock;
  /** Where the engine comes from (the language server shares one per database file); else opened for this check. Its close() ends the check's use. */
  openEngine?: (target: Target) => Promise<Engine>;
}

export type FreshnessEvent = { kind: 'start'; node: ProjectNode; index: number; total: number } | { kind: 'finish'; node: ProjectNode; outcome: FreshnessOutcome; index: number; total: number };

export interface FreshnessRun {
  target: string;
  outcomes: FreshnessOutcome[];
  /** Selected sources without freshness criteria (skipped, as dbt skips them). */
  skipped: string[];
  elapsedSeconds: number;
  artifact?: string;
  fatal?: string;
}

const EXTENSIONS: Record<string, string> = { csv: '.csv', parquet: '.parquet', json: '.json' };

export async function runFreshness(host: FileHost, analysis: Analysis, request: FreshnessRequest): Promise<FreshnessRun> {
  const clock = request.clock ?? systemClock();
  const now = (): Date => clock.now();
  const started = clock.started();
  const { compiler, resolved } = createCompiler(host, analysis, { ...request, clock });
  const run: FreshnessRun = { target: resolved.target.name, outcomes: [], skipped: [], elapsedSeconds: 0 };
  const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { ...run, fatal: errors.map((d) => `${d.file}: ${d.message}`).join('\n') };
  const { ids } = selectNodes(analysis.graph, { select: request.select ?? [], exclude: request.exclude ?? [], resourceTypes: ['source'], indirectSelection: 'empty' });
  const checks: Array<{ node: ProjectNode; spec: FreshnessSpec }> = [];
  for (const id of [...ids].sort()) {
    const node = analysis.graph.node(id)!;
    const spec = freshnessOf(analysis.project, node);
    if (spec) checks.push({ node, spec });
    else run.skipped.push(id);
  }
  if (checks.length === 0) return run;
  let engine: Engine;
  try {
    engine = await (request.openEngine ? request.openEngine(resolved.target) : openEngine(resolved.target, analysis.project.root, request.env));
  } catch (err) {
    return { ...run, fatal: (err as Error).message };
  }
  const landing = landingOptionsFromEnv(analysis.project.root, request.env, request.landingRoot);
  if (request.signal) landing.signal = request.signal;
  try {
    const session = await engine.acquire(request.signal);
    try {
      // Landing sources measured in the warehouse: loaded first, as a build would, so the query sees what has landed.
      const toLoad = checks.map((c) => landingSpec(c.node)).filter((s): s is LandingSpec => s !== undefined && (freshnessOf(analysis.project, s.node)?.loadedAtField !== undefined || freshnessOf(analysis.project, s.node)?.loadedAtQuery !== undefined));
      const loadFailures = new Map<string, string>();
      if (toLoad.length > 0) {
        const outcomes = await loadLandingTables(engine, session, compiler, toLoad, analysis.project.root, engine.landingAccess === 'warehouse' ? warehouseLocations(landing) : landingResolver(landing), request.signal);
        for (const o of outcomes) if (o.error !== undefined) loadFailures.set(o.uniqueId, `landing ${o.source} failed: ${o.error}`);
      }
      for (const [i, { node, spec }] of checks.entries()) {
        if (request.signal?.aborted) break;
        request.onEvent?.({ kind: 'start', node, index: i + 1, total: checks.length });
        const at = now();
        const base = { uniqueId: node.uniqueId, startedAt: at, thread: 'Thread-1' };
        let outcome: FreshnessOutcome;
        try {
          const failure = loadFailures.get(node.uniqueId);
          if (failure) throw new Error(failure);
          const measured = await measure(engine, session, compiler.relation(node).render(), node, spec, landing, analysis.project.root, request.signal);
          const snapshottedAt = now();
          const age = (snapshottedAt.getTime() - measured.maxLoadedAt.getTime()) / 1000;
          outcome = { ...base, status: freshnessStatus(spec.criteria, age), maxLoadedAt: measured.maxLoadedAt, snapshottedAt, criteria: spec.criteria, completedAt: snapshottedAt, how: measured.how, message: measured.message };
        } catch (err) {
          outcome = { ...base, status: 'runtime error', error: (err as Error).message, completedAt: now() };
        }
        run.outcomes.push(outcome);
        request.onEvent?.({ kind: 'finish', node, outcome, index: i + 1, total: checks.length });
      }
    } finally {
      engine.release(session);
    }
  } catch (err) {
    run.fatal = (err as Error).message;
  } finally {
    await engine.close();
  }
  const done = now();
  run.elapsedSeconds = (done.getTime() - started.getTime()) / 1000;
  const dir = resolve(analysis.project.root, analysis.project.config.targetPath);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sources.json');
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(sourcesArtifact(run.outcomes, { dbtVersion: '1.12.6', invocationId: randomUUID(), generatedAt: done, startedAt: started, elapsedSeconds: run.elapsedSeconds }), null, 2));
  renameSync(temp, path);
  run.artifact = path;
  return run;
}

async function measure(
  engine: Engine,
  session: Awaited<ReturnType<Engine['acquire']>>,
  relation: string,
  node: ProjectNode,
  spec: FreshnessSpec,
  landing: ReturnType<typeof landingOptionsFromEnv>,
  projectRoot: string,
  signal?: AbortSignal,
): Promise<{ maxLoadedAt: Date; how: 'loaded_at_field' | 'loaded_at_query' | 'landing files'; message: string }> {
  const name = `${node.source!.sourceName}.${node.name}`;
  if (spec.loadedAtField !== undefined || spec.loadedAtQuery !== undefined) {
    const sql = spec.loadedAtQuery ?? freshnessQuery(relation, spec.loadedAtField!, spec.criteria.filter);
    const result = await session.execute(sql, { ...(signal ? { signal } : {}), tag: node.uniqueId });
    const value = result.rows[0]?.[0];
    // No row at all (an empty table, a filter nothing passes): dbt takes datetime.min, so the source is as stale as can be.
    const at = value === null || value === undefined ? new Date('0001-01-01T00:00:00Z') : parseTimestamp(value);
    if (!at) throw new Error(`The ${spec.loadedAtQuery ? 'loaded_at_query' : `field '${spec.loadedAtField}'`} of ${relation} returned ${JSON.stringify(value)}, which is not a timestamp`);
    return { maxLoadedAt: at, how: spec.loadedAtQuery ? 'loaded_at_query' : 'loaded_at_field', message: 'OK' };
  }
  const files = landingSpec(node);
  if (!files) throw new Error(`Could not compute freshness for source ${node.name}: no 'loaded_at_field' provided and ${engine.type} adapter does not support metadata-based freshness checks.`);
  const newest = await newestArrival(files, landing, projectRoot);
  if (!newest) throw new Error(`Could not compute freshness for source ${name}: no ${EXTENSIONS[files.format] ?? files.format} files have landed in ${tableLocation(node, files.location, landing)}`);
  return { maxLoadedAt: newest, how: 'landing files', message: `newest landing file ${newest.toISOString()}` };
}

/** When the newest file of a landing table arrived: its modification time on disk, LastModified on S3. */
async function newestArrival(spec: LandingSpec, options: ReturnType<typeof landingOptionsFromEnv>, projectRoot: string): Promise<Date | undefined> {
  const extension = EXTENSIONS[spec.format] ?? `.${spec.format}`;
  const location = parseLocation(tableLocation(spec.node, spec.location, options), projectRoot);
  let newest: number | undefined;
  if (location.kind === 'local') {
    const dir = isAbsolute(location.path) ? location.path : join(projectRoot, location.path);
    if (!existsSync(dir)) return undefined;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(extension)) continue;
      const mtime = statSync(join(dir, f)).mtimeMs;
      newest = Math.max(newest ?? mtime, mtime);
    }
  } else {
    // Loaded here: the AWS SDK is large and only S3 landing zones need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
    const { createS3Client, listLocation } = require('../landing') as typeof import('../landing');
    const objects = await listLocation(createS3Client(options.s3), { bucket: location.bucket, prefix: location.prefix });
    for (const o of objects) {
      if (!o.key.endsWith(extension) || !o.lastModified) continue;
      newest = Math.max(newest ?? o.lastModified.getTime(), o.lastModified.getTime());
    }
  }
  return newest === undefined ? undefined : new Date(newest);
}
