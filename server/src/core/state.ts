/**
 * What another invocation left behind, as dbt reads it with `--state DIR` (its PreviousState):
 * the manifest (for `state:` selection and `--defer`), run_results.json (for `result:` selection
 * and `retry`) and sources.json (for `source_status:`). Parsed here from their JSON text, never
 * trusting it: a file that is not what dbt writes becomes a problem, not an exception.
 */

/** One result of run_results.json: the node and its status (`success`, `error`, `fail`, `skipped`...). */
export interface PreviousResult {
  uniqueId: string;
  status: string;
}

export interface PreviousResults {
  results: PreviousResult[];
  /** The invocation's `args` (`which` is the command: build, run, test...). */
  args: Record<string, unknown>;
}

/** One result of sources.json: the source and when its newest row (or file) arrived, if that was measured. */
export interface FreshnessRecord {
  uniqueId: string;
  status: string;
  /** ISO time; absent for a runtime error. */
  maxLoadedAt?: string;
}

/** The manifest fields dbt's state comparison and deferral read, per node (dbt's own JSON, as written). */
export type ManifestNode = Record<string, unknown> & { unique_id: string; resource_type: string };

export interface StateManifest {
  nodes: Map<string, ManifestNode>;
  sources: Map<string, ManifestNode>;
  exposures: Map<string, ManifestNode>;
  unitTests: Map<string, ManifestNode>;
  macros: Map<string, ManifestNode>;
  /** The adapter the manifest was written for (`metadata.adapter_type`). */
  adapterType?: string;
}

export interface PreviousState {
  /** Where it was read from (`--state DIR`), for messages. */
  dir: string;
  manifest?: StateManifest;
  results?: PreviousResults;
  /** sources.json of the state folder (the previous freshness check). */
  sources?: FreshnessRecord[];
  /** sources.json of this project's target folder (the current freshness check). */
  sourcesCurrent?: FreshnessRecord[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(text: string, file: string, problems: string[]): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
    problems.push(`${file} is not a JSON object`);
  } catch (err) {
    problems.push(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return undefined;
}

/** run_results.json (any schema version dbt writes: results with unique_id and status, and args). */
export function readRunResults(text: string, file: string, problems: string[]): PreviousResults | undefined {
  const json = parse(text, file, problems);
  if (!json) return undefined;
  if (!Array.isArray(json.results)) {
    problems.push(`${file} has no 'results' list: it is not a run_results.json`);
    return undefined;
  }
  const results: PreviousResult[] = [];
  for (const r of json.results) if (isObject(r) && typeof r.unique_id === 'string' && typeof r.status === 'string') results.push({ uniqueId: r.unique_id, status: r.status });
  return { results, args: isObject(json.args) ? json.args : {} };
}

/** sources.json (dbt's freshness artifact). */
export function readFreshnessResults(text: string, file: string, problems: string[]): FreshnessRecord[] | undefined {
  const json = parse(text, file, problems);
  if (!json) return undefined;
  if (!Array.isArray(json.results)) {
    problems.push(`${file} has no 'results' list: it is not a sources.json`);
    return undefined;
  }
  const out: FreshnessRecord[] = [];
  for (const r of json.results) {
    if (!isObject(r) || typeof r.unique_id !== 'string') continue;
    const record: FreshnessRecord = { uniqueId: r.unique_id, status: String(r.status ?? '') };
    if (typeof r.max_loaded_at === 'string') record.maxLoadedAt = r.max_loaded_at;
    out.push(record);
  }
  return out;
}

/** manifest.json as dbt (or Medallion) wrote it: the node dictionaries the comparison reads. */
export function readManifest(text: string, file: string, problems: string[]): StateManifest | undefined {
  const json = parse(text, file, problems);
  if (!json) return undefined;
  if (!isObject(json.nodes)) {
    problems.push(`${file} has no 'nodes': it is not a manifest.json`);
    return undefined;
  }
  const entries = (key: string): Map<string, ManifestNode> => {
    const out = new Map<string, ManifestNode>();
    const dict = json[key];
    if (!isObject(dict)) return out;
    for (const [id, node] of Object.entries(dict)) if (isObject(node)) out.set(id, { ...node, unique_id: id, resource_type: String(node.resource_type ?? '') });
    return out;
  };
  const metadata = isObject(json.metadata) ? json.metadata : {};
  const manifest: StateManifest = { nodes: entries('nodes'), sources: entries('sources'), exposures: entries('exposures'), unitTests: entries('unit_tests'), macros: entries('macros') };
  if (typeof metadata.adapter_type === 'string') manifest.adapterType = metadata.adapter_type;
  return manifest;
}

/** `result:<status>`: the nodes whose previous result had that status. */
export function resultMatches(state: PreviousState | undefined, status: string): Set<string> | string {
  if (!state?.results) return `'result:${status}' compares with a previous run: pass --state DIR, a folder holding that run's run_results.json${state ? ` (${state.dir} has none)` : ''}`;
  return new Set(state.results.results.filter((r) => r.status === status).map((r) => r.uniqueId));
}

/**
 * `source_status:fresher`: sources whose newest data (max_loaded_at) is newer in this project's
 * sources.json than in the state's, as dbt's SourceStatusSelectorMethod (a source either check
 * could not measure is left out).
 */
export function sourceStatusMatches(state: PreviousState | undefined, value: string): Set<string> | string {
  if (value !== 'fresher') return `Invalid source_status selector '${value}': the only one is 'fresher'`;
  if (!state?.sources) return `'source_status:fresher' compares two freshness checks: pass --state DIR, a folder holding a previous sources.json${state ? ` (${state.dir} has none)` : ''}`;
  if (!state.sourcesCurrent) return `'source_status:fresher' needs this project's own target/sources.json: run \`medallion source freshness\` first`;
  const current = new Map(state.sourcesCurrent.filter((r) => r.maxLoadedAt !== undefined).map((r) => [r.uniqueId, r.maxLoadedAt!]));
  const previous = new Map(state.sources.filter((r) => r.maxLoadedAt !== undefined).map((r) => [r.uniqueId, r.maxLoadedAt!]));
  const failed = new Set(state.sourcesCurrent.filter((r) => r.maxLoadedAt === undefined).map((r) => r.uniqueId));
  const out = new Set<string>();
  for (const [id, at] of current) {
    const before = previous.get(id);
    if ((before === undefined || Date.parse(at) > Date.parse(before)) && !failed.has(id)) out.add(id);
  }
  return out;
}

/** dbt retry's statuses worth running again (error, fail, skipped, runtime error, partial success). */
export const RETRYABLE_STATUSES: ReadonlySet<string> = new Set(['error', 'fail', 'skipped', 'runtime error', 'partial success']);

/** What `retry` runs: the previous command and the nodes that did not succeed (never hooks). */
export function retryPlan(results: PreviousResults): { command: string | undefined; ids: Set<string> } {
  const command = typeof results.args.which === 'string' ? results.args.which : undefined;
  const ids = new Set(results.results.filter((r) => RETRYABLE_STATUSES.has(r.status) && !(command !== 'run-operation' && r.uniqueId.startsWith('operation.'))).map((r) => r.uniqueId));
  return { command, ids };
}
