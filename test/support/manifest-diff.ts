/**
 * Field-by-field comparison of our manifest.json with dbt-core's (the trimmed golden written by
 * scripts/dbt_goldens/collect.py), for the fields that do not depend on the run: the node set,
 * disabled nodes, every node's and source's fields (config and columns key by key), macros,
 * docs and the parent/child maps. Returns one line per difference.
 */
import { normalizeSql } from './parity';

type Json = Record<string, unknown>;

/** Fields that differ by design: times, absolute paths, dbt's own macros (not ours to list). */
const RUN_FIELDS = new Set(['created_at', 'root_path', 'compiled_path', 'unrendered_config']);
const COMPILED_FIELDS = ['compiled', 'compiled_code', 'extra_ctes', 'extra_ctes_injected'];
/** Metadata fields that describe the run rather than the project. */
const RUN_METADATA = new Set(['generated_at', 'invocation_id', 'invocation_started_at', 'run_started_at', 'user_id', 'env']);

export interface DiffOptions {
  /** Compare as `dbt parse` would have written the golden: compiled fields removed from dbt's side. */
  parseOnly: boolean;
  /** Packages whose macros are dbt's own (`dbt`, `dbt_duckdb`): references to them are left out on both sides. */
  internalPackages: string[];
}

export function manifestDifferences(ours: Json, dbt: Json, options: DiffOptions): string[] {
  const out: string[] = [];
  const internal = (id: unknown): boolean => typeof id === 'string' && options.internalPackages.some((p) => id.startsWith(`macro.${p}.`));
  const clean = (node: Json): Json => {
    const copy: Json = { ...node };
    for (const f of RUN_FIELDS) delete copy[f];
    if (options.parseOnly) for (const f of COMPILED_FIELDS) delete copy[f];
    const dependsOn = copy.depends_on as Json | undefined;
    // Order of depends_on is the order calls were met, not a fact about the project: compared as sets.
    if (dependsOn && Array.isArray(dependsOn.macros)) copy.depends_on = { ...dependsOn, macros: (dependsOn.macros as string[]).filter((m) => !internal(m)).sort() };
    if (dependsOn && Array.isArray(dependsOn.nodes)) (copy.depends_on as Json).nodes = [...(dependsOn.nodes as string[])].sort();
    // A statically parsed node's sources are a Python set in dbt (dbt-extractor): their order follows
    // PYTHONHASHSEED and changes between dbt runs (checked: xdb's stg_raw_sources under seeds 0 and 1).
    // Compared as a multiset: repeats (a rendered node keeps every call) still count.
    if (Array.isArray(copy.sources)) copy.sources = (copy.sources as unknown[]).map((s) => JSON.stringify(s)).sort().map((s) => JSON.parse(s) as unknown);
    return copy;
  };

  const meta = (x: Json): Json => Object.fromEntries(Object.entries((x.metadata ?? {}) as Json).filter(([k]) => !RUN_METADATA.has(k)));
  compareValue('metadata', meta(ours), meta(dbt), out);

  for (const section of ['nodes', 'sources', 'macros', 'docs', 'unit_tests', 'exposures', 'metrics', 'groups', 'semantic_models', 'saved_queries']) {
    const a = (ours[section] ?? {}) as Record<string, Json>;
    const b = (dbt[section] ?? {}) as Record<string, Json>;
    for (const id of Object.keys(b)) {
      if (!(id in a)) out.push(`${section} ${id}: missing`);
      else compareNode(`${section} ${id}`, clean(a[id]!), clean(b[id]!), out);
    }
    for (const id of Object.keys(a)) if (!(id in b)) out.push(`${section} ${id}: not in dbt's manifest`);
  }

  const disabledIds = (x: Json): string[] => Object.keys((x.disabled ?? {}) as Json).sort();
  compareValue('disabled', disabledIds(ours), disabledIds(dbt), out);
  for (const map of ['parent_map', 'child_map']) {
    const a = (ours[map] ?? {}) as Record<string, string[]>;
    const b = (dbt[map] ?? {}) as Record<string, string[]>;
    for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) compareValue(`${map} ${id}`, [...(a[id] ?? [])].sort(), [...(b[id] ?? [])].sort(), out);
  }
  return out;
}

function compareNode(where: string, ours: Json, dbt: Json, out: string[]): void {
  for (const key of new Set([...Object.keys(ours), ...Object.keys(dbt)])) {
    if (!(key in dbt)) out.push(`${where}.${key}: not in dbt's manifest`);
    else if (!(key in ours)) out.push(`${where}.${key}: missing`);
    else if ((key === 'config' || key === 'columns') && isDict(ours[key]) && isDict(dbt[key])) compareNode(`${where}.${key}`, ours[key] as Json, dbt[key] as Json, out);
    else if (key === 'compiled_code' && typeof ours[key] === 'string' && typeof dbt[key] === 'string') {
      // Whitespace aside, as the compile parity test compares compiled SQL.
      if (normalizeSql(ours[key] as string) !== normalizeSql(dbt[key] as string)) out.push(`${where}.${key}: differs (whitespace aside)`);
    } else compareValue(`${where}.${key}`, ours[key], dbt[key], out);
  }
}

function compareValue(where: string, ours: unknown, dbt: unknown, out: string[]): void {
  const a = stable(ours);
  const b = stable(dbt);
  if (a !== b) out.push(`${where}: ours ${clip(a)}, dbt ${clip(b)}`);
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => (isDict(value) ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : value)) ?? 'undefined';
}

function clip(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

function isDict(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
