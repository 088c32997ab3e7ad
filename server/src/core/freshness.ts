/**
 * Source freshness as dbt computes it (`dbt source freshness`): each source table's thresholds
 * merged from its source and table entries (top-level and `config:`) and dbt_project.yml, its
 * `loaded_at_field` or `loaded_at_query`, the query that finds the newest row, the status from the
 * age, and the sources.json artifact (schema v3). Pure: the runner runs the queries and, for
 * landing sources without a loaded_at_field, reads the landing files' arrival times instead.
 */
import type { Project, ProjectNode } from './model';
import { get, getString, items, parseYaml, toJS, type YNode } from './yaml-tree';

export type Period = 'minute' | 'hour' | 'day';

export interface Threshold {
  count: number | null;
  period: Period | null;
}

/** dbt's FreshnessThreshold: `warn_after`, `error_after` (each a count of periods) and a `filter`. */
export interface FreshnessCriteria {
  warn_after: Threshold;
  error_after: Threshold;
  filter: string | null;
}

/** What a source's freshness check needs: its criteria and how to find its newest row. */
export interface FreshnessSpec {
  criteria: FreshnessCriteria;
  loadedAtField?: string;
  loadedAtQuery?: string;
}

export type FreshnessStatus = 'pass' | 'warn' | 'error';

const SECONDS: Record<Period, number> = { minute: 60, hour: 3600, day: 86400 };

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A threshold as dbt reads it (unknown periods and non-numbers are unset). */
function threshold(raw: unknown): Threshold | null | undefined {
  if (raw === null) return null;
  if (!isDict(raw)) return undefined;
  const count = typeof raw.count === 'number' ? raw.count : null;
  const period = raw.period === 'minute' || raw.period === 'hour' || raw.period === 'day' ? raw.period : null;
  return { count, period };
}

const isSet = (t: Threshold | null | undefined): t is Threshold => !!t && t.count !== null && t.period !== null;

/** A FreshnessThreshold from yml: null for an explicit `freshness: null`, an empty one when absent. */
function criteriaOf(raw: unknown): FreshnessCriteria | null {
  if (raw === null) return null;
  const dict = isDict(raw) ? raw : {};
  return { warn_after: threshold(dict.warn_after) ?? { count: null, period: null }, error_after: threshold(dict.error_after) ?? { count: null, period: null }, filter: typeof dict.filter === 'string' ? dict.filter : null };
}

const truthy = (c: FreshnessCriteria | null): c is FreshnessCriteria => !!c && (isSet(c.warn_after) || isSet(c.error_after));

/** dbt's `merge_source_freshness`: pairwise, last non-null field wins; a null update resets to null. */
function mergeCriteria(all: Array<FreshnessCriteria | null>): FreshnessCriteria | null {
  let merged = all[0] ?? null;
  for (const update of all.slice(1)) {
    if (merged && update) {
      const time = (a: Threshold, b: Threshold): Threshold => ({ count: b.count ?? a.count, period: b.period ?? a.period });
      merged = { warn_after: time(merged.warn_after, update.warn_after), error_after: time(merged.error_after, update.error_after), filter: update.filter ?? merged.filter };
    } else if (!merged && truthy(update)) {
      merged = update;
    } else {
      merged = null;
    }
  }
  return merged;
}

/** The yml entries of a source node: its source and its table. */
function sourceYmlEntries(project: Project, node: ProjectNode): { source?: YNode; table?: YNode } {
  const text = node.yml ? project.files.get(node.yml.file)?.text : undefined;
  if (text === undefined || !node.source) return {};
  const source = items(get(parseYaml(text).root, 'sources')).find((s) => getString(s, 'name') === node.source!.sourceName);
  const table = items(get(source, 'tables')).find((t) => getString(t, 'name') === node.name);
  return { ...(source ? { source } : {}), ...(table ? { table } : {}) };
}

/**
 * A source's freshness check, or undefined when it has none (no thresholds, or `freshness: null`).
 * Precedence as dbt 1.12: source `freshness:`, source `config.freshness`, table `freshness:`,
 * table `config.freshness` merged; when none of them says anything, dbt_project.yml's.
 * `entries`: the source's and the table's yml entries when the caller has them (state-view.ts's
 * index of them, for many sources), as `sourceYmlEntries` finds them.
 */
export function freshnessOf(project: Project, node: ProjectNode, entries?: { source?: YNode; table?: YNode }): FreshnessSpec | undefined {
  if (node.resourceType !== 'source') return undefined;
  const { source, table } = entries ?? sourceYmlEntries(project, node);
  const configOf = (entry: YNode | undefined): Record<string, unknown> => {
    const c = toJS(get(entry, 'config'));
    return isDict(c) ? c : {};
  };
  const has = (entry: YNode | undefined, key: string): boolean => entry?.kind === 'map' && entry.entries.has(key);
  const raw = (entry: YNode | undefined, key: string): unknown => (has(entry, key) ? toJS(get(entry, key)) : undefined);
  const sourceConfig = configOf(source);
  const tableConfig = configOf(table);
  const fromYml = mergeCriteria([
    has(source, 'freshness') ? criteriaOf(raw(source, 'freshness')) : criteriaOf(undefined),
    'freshness' in sourceConfig ? criteriaOf(sourceConfig.freshness) : criteriaOf(undefined),
    has(table, 'freshness') ? criteriaOf(raw(table, 'freshness')) : criteriaOf(undefined),
    'freshness' in tableConfig ? criteriaOf(tableConfig.freshness) : criteriaOf(undefined),
  ]);
  let criteria: FreshnessCriteria | null;
  if (truthy(fromYml)) criteria = fromYml;
  else if (fromYml === null) criteria = null;
  else criteria = 'freshness' in node.config ? criteriaOf(node.config.freshness) : null;
  if (!truthy(criteria)) return undefined;
  const spec: FreshnessSpec = { criteria };
  // A table's own loaded_at_field (even an explicit null) wins over its source's.
  const tableField = has(table, 'loaded_at_field') ? raw(table, 'loaded_at_field') : tableConfig.loaded_at_field;
  const tableFieldPresent = has(table, 'loaded_at_field') || tableConfig.loaded_at_field !== undefined;
  const field = tableFieldPresent ? tableField : (raw(source, 'loaded_at_field') ?? sourceConfig.loaded_at_field ?? node.config.loaded_at_field);
  if (typeof field === 'string' && field !== '') spec.loadedAtField = field;
  const query = raw(table, 'loaded_at_query') ?? tableConfig.loaded_at_query ?? (tableFieldPresent ? undefined : (raw(source, 'loaded_at_query') ?? sourceConfig.loaded_at_query));
  if (typeof query === 'string' && query !== '') spec.loadedAtQuery = query;
  return spec;
}

/** dbt's `collect_freshness`: the newest value of the loaded_at field. */
export function freshnessQuery(relation: string, loadedAtField: string, filter: string | null): string {
  return `select max(${loadedAtField}) as max_loaded_at\nfrom ${relation}${filter ? `\nwhere ${filter}` : ''}`;
}

/** FreshnessThreshold.status: error when error_after is exceeded, else warn when warn_after is, else pass. */
export function freshnessStatus(criteria: FreshnessCriteria, ageSeconds: number): FreshnessStatus {
  const exceeded = (t: Threshold): boolean => isSet(t) && ageSeconds > t.count! * SECONDS[t.period!];
  if (exceeded(criteria.error_after)) return 'error';
  if (exceeded(criteria.warn_after)) return 'warn';
  return 'pass';
}

/**
 * A timestamp as a warehouse returns it (`2024-01-03 10:45:00`, with fractions, `T`, an offset or
 * `Z`, or a Date); values without an offset are UTC, as dbt assumes. Undefined for null or text
 * that is not a timestamp.
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, date, time = '00:00:00', zone] = m;
  let offset = 'Z';
  if (zone && zone !== 'Z') offset = /^[+-]\d{2}$/.test(zone) ? `${zone}:00` : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const fraction = /\.(\d+)$/.exec(time);
  const whole = time.replace(/\.\d+$/, '');
  const at = new Date(`${date}T${whole.length === 5 ? `${whole}:00` : whole}${fraction ? `.${fraction[1]!.slice(0, 3).padEnd(3, '0')}` : ''}${offset}`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** One source's outcome: measured (with its status) or a runtime error. */
export type FreshnessOutcome =
  | { uniqueId: string; status: FreshnessStatus; maxLoadedAt: Date; snapshottedAt: Date; criteria: FreshnessCriteria; startedAt: Date; completedAt: Date; thread: string; how: 'loaded_at_field' | 'loaded_at_query' | 'landing files'; message: string }
  | { uniqueId: string; status: 'runtime error'; error: string; startedAt: Date; completedAt: Date; thread: string };

/** dbt's datetime text in sources.json: `2024-01-03T10:45:00+00:00` (microseconds when not whole). */
export function dbtTime(at: Date): string {
  const iso = at.toISOString();
  const ms = at.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms ? `.${String(ms * 1000).padStart(6, '0')}` : ''}+00:00`;
}

/** sources.json (schema v3) as dbt writes it: measured sources only (runtime errors are left out, as dbt does). */
export function sourcesArtifact(outcomes: FreshnessOutcome[], meta: { dbtVersion: string; invocationId: string; generatedAt: Date; startedAt: Date; elapsedSeconds: number }): Record<string, unknown> {
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/sources/v3.json',
      dbt_version: meta.dbtVersion,
      generated_at: meta.generatedAt.toISOString(),
      invocation_id: meta.invocationId,
      invocation_started_at: meta.startedAt.toISOString(),
      env: {},
    },
    results: outcomes.flatMap((o) =>
      o.status === 'runtime error'
        ? []
        : [
            {
              unique_id: o.uniqueId,
              max_loaded_at: dbtTime(o.maxLoadedAt),
              snapshotted_at: dbtTime(o.snapshottedAt),
              max_loaded_at_time_ago_in_s: (o.snapshottedAt.getTime() - o.maxLoadedAt.getTime()) / 1000,
              status: o.status,
              criteria: o.criteria,
              adapter_response: { _message: o.message },
              timing: [
                { name: 'compile', started_at: o.startedAt.toISOString(), completed_at: o.startedAt.toISOString() },
                { name: 'execute', started_at: o.startedAt.toISOString(), completed_at: o.completedAt.toISOString() },
              ],
              thread_id: o.thread,
              execution_time: (o.completedAt.getTime() - o.startedAt.getTime()) / 1000,
            },
          ],
    ),
    elapsed_time: meta.elapsedSeconds,
  };
}
