/**
 * The dbt workflows for editors: source freshness (`medallion/sourceFreshness`: the last check or a
 * new one), what changed against a state folder (`medallion/stateStatus`), and `runStateOptions`,
 * which turns a run request's `state`/`defer`/`favorState` into the runner's options (so "Run
 * modified" and "run with deferral" are ordinary runs). Registered by the server with
 * `registerWorkflowHandlers(connection, () => trusted, projectOf, engines)` (a check shares the engine registry's DuckDB instance).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import type { Analysis } from '../core/analysis';
import { selectNodes } from '../core/selector';
import { defaultProfilesDirs } from '../core/session';
import { readFreshnessResults, type PreviousState, type StateManifest } from '../core/state';
import { hostReader } from '../core/state-view';
import { NodeFileHost } from '../node/fs-host';
import type { EngineRegistry } from '../runner/engine-registry';
import { explainFailure } from '../runner/failures';
import { runFreshness } from '../runner/freshness';
import { readPreviousState } from '../runner/state-files';
import { SourceFreshnessRequest, StateStatusRequest, type RunParams, type SourceFreshnessParams, type SourceFreshnessResult, type StateStatusParams, type StateStatusResult } from './protocol';

/** A project of the workspace (the one holding `uri`, else the first). */
export type ProjectLookup = (uri?: string) => { root: string; analysis: Analysis } | undefined;

/** What a run request's state, defer and favorState mean to the runner; `problems` when the state cannot be read. */
export function runStateOptions(root: string, targetPath: string, params: Pick<RunParams, 'state' | 'defer' | 'favorState'>): { state?: PreviousState; defer?: { manifest: StateManifest; favorState: boolean }; problems: string[] } {
  if (!params.state) return { problems: params.defer ? ['Deferral needs a state folder (another run\'s artifacts with its manifest.json)'] : [] };
  const { state, problems } = readPreviousState(root, params.state, resolve(root, targetPath));
  if (!state) return { problems };
  if (params.defer && !state.manifest) return { state, problems: [...problems, `${params.state} has no manifest.json to defer to`] };
  return { state, ...(params.defer && state.manifest ? { defer: { manifest: state.manifest, favorState: Boolean(params.favorState) } } : {}), problems };
}

/** The last freshness check of a project, from its target/sources.json. */
export function freshnessSummary(root: string, analysis: Analysis): SourceFreshnessResult {
  const file = resolve(root, analysis.project.config.targetPath, 'sources.json');
  if (!existsSync(file)) return { root, generatedAt: null, sources: [] };
  const problems: string[] = [];
  const text = readFileSync(file, 'utf8');
  const records = readFreshnessResults(text, 'target/sources.json', problems) ?? [];
  let generatedAt: string | null = null;
  try {
    const meta = (JSON.parse(text) as { metadata?: { generated_at?: unknown } }).metadata;
    if (typeof meta?.generated_at === 'string') generatedAt = meta.generated_at;
  } catch {
    // reported by readFreshnessResults
  }
  const at = generatedAt ? Date.parse(generatedAt) : NaN;
  return {
    root,
    generatedAt,
    sources: records.map((r) => {
      const node = analysis.graph.node(r.uniqueId);
      const loaded = r.maxLoadedAt ? Date.parse(r.maxLoadedAt) : NaN;
      return { id: r.uniqueId, name: node?.source ? `${node.source.sourceName}.${node.name}` : r.uniqueId, status: r.status, maxLoadedAt: r.maxLoadedAt ?? null, ageSeconds: Number.isNaN(loaded) || Number.isNaN(at) ? null : (at - loaded) / 1000 };
    }),
  };
}

/** `state:modified` and `state:new` of a project against a state folder. */
export function stateStatus(root: string, analysis: Analysis, stateDir: string): StateStatusResult {
  const { state, problems } = readPreviousState(root, stateDir, resolve(root, analysis.project.config.targetPath));
  if (!state?.manifest) return { modified: [], new: [], problems: state ? [...problems, `${stateDir} has no manifest.json`] : problems };
  const readFile = hostReader(new NodeFileHost(), root);
  const pick = (method: string): { ids: string[]; problems: string[] } => {
    const r = selectNodes(analysis.graph, { select: [`state:${method}`], state, readFile, indirectSelection: 'empty' });
    return { ids: [...r.ids].sort(), problems: r.problems.filter((p) => !/does not match any enabled node/.test(p)) };
  };
  const modified = pick('modified');
  const added = pick('new');
  return { modified: modified.ids, new: added.ids, problems: [...problems, ...modified.problems] };
}

export function registerWorkflowHandlers(connection: Connection, trusted: () => boolean, projectOf: ProjectLookup, engines: EngineRegistry): void {
  connection.onRequest(SourceFreshnessRequest, async (params: SourceFreshnessParams): Promise<SourceFreshnessResult> => {
    const project = projectOf(params.uri);
    if (!project) return { root: null, generatedAt: null, sources: [] };
    // A check queries the warehouse: never in an untrusted workspace; the last result is only read.
    if (params.check && trusted()) {
      const env = process.env as Record<string, string | undefined>;
      // It may load landing tables: the DuckDB file's one instance of this process, as a run's.
      const run = await runFreshness(new NodeFileHost(), project.analysis, { env, profilesDirs: defaultProfilesDirs(project.root, env), ...(params.target ? { target: params.target } : {}), openEngine: (target) => engines.acquire(target, project.root, env, 'run') });
      if (run.fatal) connection.console.error(`source freshness: ${explainFailure(run.fatal)}`);
    }
    return freshnessSummary(project.root, project.analysis);
  });
  connection.onRequest(StateStatusRequest, (params: StateStatusParams): StateStatusResult => {
    const project = projectOf(params.uri);
    if (!project) return { modified: [], new: [], problems: ['No dbt project in this workspace'] };
    return stateStatus(project.root, project.analysis, params.state);
  });
}
