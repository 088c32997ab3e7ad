/**
 * What another invocation left behind, as dbt reads it with `--state DIR` (its PreviousState):
 * the manifest (for `state:` selection and `--defer`), run_results.json (for `result:` selection
 * and `retry`) and sources.json (for `source_status:`). Parsed here from their JSON text, never
 * trusting it: a file that is not what dbt writes becomes a problem, not an exception.
 */
import { PyFloat } from './jinja';

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

/** The `state:` methods dbt knows (graph/selector_methods.py StateSelectorMethod). */
export const STATE_METHODS = ['new', 'old', 'modified', 'unmodified', 'modified.body', 'modified.configs', 'modified.persisted_descriptions', 'modified.relation', 'modified.macros', 'modified.contract'] as const;

/** The current project in the same shape: what `stateView` (state-view.ts) computes. */
export interface CurrentState {
  nodes: Map<string, ManifestNode>;
  macros: Map<string, ManifestNode>;
}

const PARSED_TYPES = new Set(['model', 'seed', 'snapshot', 'analysis', 'test', 'operation', 'sql_operation']);
/** Config keys dbt leaves out of the config comparison of models, seeds, snapshots and tests (they are the relation's). */
const REPRESENTATION_KEYS = new Set(['alias', 'schema', 'database', 'tags', 'group']);
const TEST_MODIFIERS = ['severity', 'where', 'limit', 'fail_calc', 'warn_if', 'error_if', 'store_failures', 'store_failures_as', 'sql_header'];

/** Python `==` on JSON values (dict key order does not matter; 1 == 1.0; True == 1 as Python has it). */
function pyEquals(a: unknown, b: unknown): boolean {
  // This project's yml floats (`4.0`) are boxes; the state's JSON has plain numbers.
  if (a instanceof PyFloat) a = a.value;
  if (b instanceof PyFloat) b = b.value;
  if (a === b) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b) && (typeof a === 'number' || typeof b === 'number');
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => pyEquals(x, (b as unknown[])[i]));
  const ka = Object.keys(a as Json);
  const kb = Object.keys(b as Json);
  return ka.length === kb.length && ka.every((k) => k in (b as Json) && pyEquals((a as Json)[k], (b as Json)[k]));
}

const dict = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** BaseConfig.compare_key: both absent, or both present and equal. */
function sameKey(a: Json, b: Json, key: string): boolean {
  if (!(key in a) && !(key in b)) return true;
  return key in a && key in b && pyEquals(a[key], b[key]);
}

/** `same_config`: the unrendered configs compared as the node's config class does. */
function sameConfig(node: ManifestNode, old: ManifestNode): boolean {
  const a = dict(node.unrendered_config);
  const b = dict(old.unrendered_config);
  if (node.resource_type === 'test') return TEST_MODIFIERS.every((k) => sameKey(a, b, k));
  const excluded = PARSED_TYPES.has(node.resource_type) ? REPRESENTATION_KEYS : new Set<string>();
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => excluded.has(k) || sameKey(a, b, k));
}

function sameBody(node: ManifestNode, old: ManifestNode): boolean {
  if (node.resource_type === 'seed') return pyEquals(node.checksum, old.checksum);
  return node.raw_code === old.raw_code;
}

const sameFqn = (node: ManifestNode, old: ManifestNode): boolean => pyEquals(node.fqn, old.fqn);

function sameDatabaseRepresentation(node: ManifestNode, old: ManifestNode): boolean {
  if (node.resource_type === 'source') return node.unrendered_database === old.unrendered_database && node.unrendered_schema === old.unrendered_schema && node.identifier === old.identifier;
  const a = dict(node.unrendered_config);
  const b = dict(old.unrendered_config);
  return ['database', 'schema', 'alias'].every((k) => pyEquals(a[k] ?? null, b[k] ?? null));
}

function samePersistedDescription(node: ManifestNode, old: ManifestNode): boolean {
  const docs = dict(dict(node.config).persist_docs);
  if (docs.relation && node.description !== old.description) return false;
  if (docs.columns) {
    const descriptions = (n: ManifestNode): Json => Object.fromEntries(Object.entries(dict(n.columns)).map(([k, c]) => [k, dict(c).description]));
    if (!pyEquals(descriptions(node), descriptions(old))) return false;
  }
  return true;
}

const enforced = (n: ManifestNode): boolean => dict(n.contract).enforced === true || dict(dict(n.config).contract).enforced === true;
const enforcesConstraints = (n: ManifestNode): boolean => ['table', 'incremental'].includes(String(dict(n.config).materialized));

/**
 * What dbt's contract checksum covers, compared directly: each column's name, data_type and
 * constraints (sorted by name), and for tables and incrementals the materialization and the model
 * constraints.
 */
function contractState(n: ManifestNode): unknown {
  const constraint = (c: unknown): unknown => {
    const d = dict(c);
    return [d.type, d.name ?? null, d.expression ?? null, d.warn_unenforced ?? true, d.warn_unsupported ?? true, d.to ?? null, d.to_columns ?? [], d.columns ?? null];
  };
  const columns = Object.values(dict(n.columns))
    .map(dict)
    .sort((x, y) => (String(x.name) < String(y.name) ? -1 : 1))
    .map((c) => [c.name, c.data_type ?? null, (Array.isArray(c.constraints) ? c.constraints : []).map(constraint)]);
  return enforcesConstraints(n) ? [columns, dict(n.config).materialized, (Array.isArray(n.constraints) ? n.constraints : []).map(constraint)] : [columns];
}

/** ModelNode.same_contract (the breaking-change report aside): unchanged, or not enforced before nor now. */
function sameContract(node: ManifestNode, old: ManifestNode): boolean {
  if (node.resource_type !== 'model') return true;
  if (!enforced(old) && !enforced(node)) return true;
  if (!enforced(old) && enforced(node)) return false;
  if (enforced(node) && pyEquals(contractState(node), contractState(old))) return true;
  return false;
}

function sameRefRepresentation(node: ManifestNode, old: ManifestNode): boolean {
  // Versions compare as text: yml `v: 2` is a number in dbt's manifest, a string in Medallion's.
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return text(node.latest_version) === text(old.latest_version) && (node.access ?? 'protected') === (old.access ?? 'protected') && (node.deprecation_date ?? null) === (old.deprecation_date ?? null);
}

/** `same_contents` of each node class (sources and exposures: new is never a content change). */
function sameContents(node: ManifestNode, old: ManifestNode | undefined): boolean {
  switch (node.resource_type) {
    case 'source':
      if (!old) return true;
      return (
        sameDatabaseRepresentation(node, old) &&
        sameFqn(node, old) &&
        sameConfig(node, old) &&
        pyEquals(node.quoting, old.quoting) &&
        pyEquals(node.freshness ?? null, old.freshness ?? null) &&
        (node.loaded_at_field ?? null) === (old.loaded_at_field ?? null) &&
        pyEquals(node.external ?? null, old.external ?? null)
      );
    case 'exposure': {
      if (!old) return true;
      const deps = (n: ManifestNode): string[] => [...new Set((dict(n.depends_on).nodes as string[] | undefined) ?? [])].sort();
      return (
        sameFqn(node, old) &&
        node.type === old.type &&
        pyEquals(node.owner, old.owner) &&
        (node.maturity ?? null) === (old.maturity ?? null) &&
        (node.url ?? null) === (old.url ?? null) &&
        (node.description ?? '') === (old.description ?? '') &&
        (node.label ?? null) === (old.label ?? null) &&
        pyEquals(deps(node), deps(old)) &&
        sameConfig(node, old)
      );
    }
    case 'unit_test':
      return old !== undefined && node.checksum === old.checksum;
    default:
      break;
  }
  if (!old) return false;
  if (isGeneric(node)) return sameConfig(node, old) && sameFqn(node, old);
  const base = sameBody(node, old) && sameConfig(node, old) && samePersistedDescription(node, old) && sameFqn(node, old) && sameDatabaseRepresentation(node, old) && sameContract(node, old);
  return node.resource_type === 'model' ? base && sameRefRepresentation(node, old) : base;
}

/** Generic tests: their raw_code is dbt's call of the test macro. */
const isGeneric = (n: ManifestNode): boolean => n.resource_type === 'test' && typeof n.raw_code === 'string' && n.raw_code.includes('(**_dbt_generic_test_kwargs)');

/** A macro and what it calls, looked up in one manifest's macros. */
function modifiedMacros(current: CurrentState, previous: StateManifest): Set<string> {
  const out = new Set<string>();
  for (const [id, macro] of current.macros) {
    const old = previous.macros.get(id);
    if (!old || macro.macro_sql !== old.macro_sql) out.add(id);
  }
  for (const id of previous.macros.keys()) if (!current.macros.has(id)) out.add(id);
  return out;
}

/** `recursively_check_macros_modified`: a node depends, directly or through macros, on a modified macro. */
function macrosModified(node: ManifestNode, current: CurrentState, modified: Set<string>, visited = new Set<string>()): boolean {
  if (modified.size === 0) return false;
  for (const id of (dict(node.depends_on).macros as string[] | undefined) ?? []) {
    if (visited.has(id)) continue;
    visited.add(id);
    if (modified.has(id)) return true;
    const macro = current.macros.get(id);
    if (macro && macrosModified(macro, current, modified, visited)) return true;
  }
  return false;
}

/**
 * `state:<method>`: the current nodes the previous manifest's comparison selects (dbt's
 * StateSelectorMethod), plus dbt's warnings (a contracted model that was removed). A string when
 * the method cannot run (no --state manifest, an unknown method).
 */
export function stateMatches(current: CurrentState | undefined, state: PreviousState | undefined, method: string): { ids: Set<string>; warnings: string[] } | string {
  if (!(STATE_METHODS as readonly string[]).includes(method)) return `Got an invalid selector "${method}", expected one of ${STATE_METHODS.map((m) => `"${m}"`).join(', ')}`;
  if (!state?.manifest) return `'state:${method}' compares with another run's manifest: pass --state DIR, a folder holding its manifest.json${state ? ` (${state.dir} has none)` : ''}`;
  if (!current) return `'state:${method}' needs the project's current state`;
  const previous = state.manifest;
  const oldOf = (id: string): ManifestNode | undefined => previous.nodes.get(id) ?? previous.sources.get(id) ?? previous.exposures.get(id) ?? previous.unitTests.get(id);
  let modified: Set<string> | undefined;
  const macroChange = (node: ManifestNode): boolean => macrosModified(node, current, (modified ??= modifiedMacros(current, previous)));
  const changed = (node: ManifestNode, old: ManifestNode | undefined): boolean => !sameContents(node, old) || macroChange(node) || (old?.resource_type === 'model' && !sameContract(node, old));
  const factory = (applies: (n: ManifestNode) => boolean, same: (n: ManifestNode, o: ManifestNode) => boolean) => (node: ManifestNode, old: ManifestNode | undefined): boolean => applies(node) && (!old || !same(node, old));
  const parsed = (n: ManifestNode): boolean => PARSED_TYPES.has(n.resource_type);
  const checks: Record<string, (node: ManifestNode, old: ManifestNode | undefined) => boolean> = {
    new: (_n, old) => old === undefined,
    old: (_n, old) => old !== undefined,
    modified: changed,
    unmodified: (n, old) => !changed(n, old),
    'modified.body': factory(parsed, sameBody),
    'modified.configs': factory((n) => parsed(n) || n.resource_type === 'source' || n.resource_type === 'exposure', sameConfig),
    'modified.persisted_descriptions': factory(parsed, samePersistedDescription),
    'modified.relation': factory((n) => parsed(n) || n.resource_type === 'source', sameDatabaseRepresentation),
    'modified.macros': (n) => macroChange(n),
    'modified.contract': factory(parsed, sameContract),
  };
  const check = checks[method]!;
  const ids = new Set<string>();
  for (const [id, node] of current.nodes) if (check(node, oldOf(id))) ids.add(id);
  const warnings: string[] = [];
  if (method === 'modified' || method === 'unmodified' || method === 'modified.contract') {
    for (const [id, old] of previous.nodes) {
      if (current.nodes.has(id) || old.resource_type !== 'model' || !enforced(old)) continue;
      warnings.push(`Contracted model '${id}' was deleted, renamed or disabled: a breaking change for whatever reads it`);
    }
  }
  return { ids, warnings };
}
