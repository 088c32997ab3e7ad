/**
 * dbt's version ranges for hub packages, ported from dbt_common/semver.py (dbt-core 1.12) with its
 * quirks: `>=1.2.0`, `<2.0.0`, exact `1.2.3`, prerelease tags; ranges given by several packages are
 * intersected (`reduceVersions`), the newest available version inside wins, prereleases only when
 * asked for. Pure; errors are values.
 */

export type Matcher = '>' | '>=' | '<' | '<=' | '=';

export interface VersionSpec {
  major: string;
  minor: string;
  patch: string;
  prerelease?: string;
  build?: string;
  matcher: Matcher;
}

/** dbt's "unbounded" end of a range. */
export const UNBOUNDED = 'unbounded' as const;
export type Bound = VersionSpec | typeof UNBOUNDED;

export interface VersionRange {
  start: Bound;
  end: Bound;
}

const NUM = '(0|[1-9]\\d*)';
const ALPHA = '[0-9A-Za-z-]*';
const ALPHA_NO_LEADING_ZEROS = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const VERSION = new RegExp(`^(?<matcher>>=|>|<|<=|=)?(?<major>${NUM})\\.(?<minor>${NUM})\\.(?<patch>${NUM})(-?(?<prerelease>${ALPHA_NO_LEADING_ZEROS}(\\.${ALPHA_NO_LEADING_ZEROS})*))?(\\+(?<build>${ALPHA}(\\.${ALPHA})*))?$`);

export function parseVersion(text: string): VersionSpec | undefined {
  const m = VERSION.exec(text);
  if (!m?.groups) return undefined;
  const g = m.groups;
  const spec: VersionSpec = { major: g.major!, minor: g.minor!, patch: g.patch!, matcher: (g.matcher as Matcher | undefined) ?? '=' };
  if (g.prerelease !== undefined) spec.prerelease = g.prerelease;
  if (g.build !== undefined) spec.build = g.build;
  return spec;
}

export function versionString(v: VersionSpec, skipMatcher = false): string {
  return `${skipMatcher ? '' : v.matcher}${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ''}${v.build ? `+${v.build}` : ''}`;
}

export function rangeString(r: VersionRange): string {
  if (r.start === UNBOUNDED && r.end === UNBOUNDED) return 'ANY';
  return [r.start, r.end].filter((b): b is VersionSpec => b !== UNBOUNDED).map((b) => versionString(b)).join(', ');
}

const isLower = (v: Bound): boolean => v !== UNBOUNDED && (v.matcher === '>' || v.matcher === '>=');
const isUpper = (v: Bound): boolean => v !== UNBOUNDED && (v.matcher === '<' || v.matcher === '<=');
const isExact = (v: Bound): boolean => v !== UNBOUNDED && v.matcher === '=';

function cmp<T>(a: T, b: T): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

/** Prerelease tags compared part by part, numbers below words (dbt's _nat_cmp). */
function natCompare(a: string, b: string): number {
  const parts = (s: string): Array<string | number> => s.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const r = typeof x === 'number' && typeof y === 'number' ? cmp(x, y) : typeof x === 'number' ? -1 : typeof y === 'number' ? 1 : cmp(x, y);
    if (r !== 0) return r;
  }
  // Python compares the lengths of the whole strings here, not the number of parts.
  return cmp(a.length, b.length);
}

/** dbt's VersionSpecifier.compare, including how matchers break ties. */
export function compare(a: Bound, b: Bound): number {
  if (a === UNBOUNDED || b === UNBOUNDED) return 0;
  for (const key of ['major', 'minor', 'patch'] as const) {
    const r = cmp(Number(a[key]), Number(b[key]));
    if (r !== 0) return r;
  }
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa !== undefined || pb !== undefined) {
    if (pa === undefined) return a.matcher === '<' ? -1 : 1;
    if (pb === undefined) return -1;
    const r = natCompare(pa, pb);
    if (r !== 0) return r;
  }
  if ((a.matcher === '>=' && b.matcher === '<=') || (a.matcher === '<=' && b.matcher === '>=')) return 0;
  if ((a.matcher === '<' && b.matcher === '<=') || (b.matcher === '>' && a.matcher === '>=') || (isUpper(a) && isLower(b))) return -1;
  if ((b.matcher === '<' && a.matcher === '<=') || (a.matcher === '>' && b.matcher === '>=') || (isLower(a) && isUpper(b))) return 1;
  return 0;
}

function toRange(v: VersionSpec): VersionRange {
  if (v.matcher === '=') return { start: v, end: v };
  if (isLower(v)) return { start: v, end: UNBOUNDED };
  return { start: UNBOUNDED, end: v };
}

class Incompatible extends Error {}

function combineLowerWithExact(lower: VersionSpec, exact: VersionSpec): VersionSpec {
  const c = compare(lower, exact);
  if (c < 0 || (c === 0 && lower.matcher === '>=')) return exact;
  throw new Incompatible();
}

function combineUpperWithExact(upper: VersionSpec, exact: VersionSpec): VersionSpec {
  const c = compare(upper, exact);
  if (c > 0 || (c === 0 && upper.matcher === '<=')) return exact;
  throw new Incompatible();
}

function combineLower(a: Bound, b: Bound): Bound {
  if (b === UNBOUNDED) return a;
  if (a === UNBOUNDED) return b;
  if (!isExact(a) && !isExact(b)) return compare(a, b) < 0 ? b : a;
  return isExact(a) ? combineLowerWithExact(b, a) : combineLowerWithExact(a, b);
}

function combineUpper(a: Bound, b: Bound): Bound {
  if (b === UNBOUNDED) return a;
  if (a === UNBOUNDED) return b;
  if (!isExact(a) && !isExact(b)) return compare(a, b) > 0 ? b : a;
  return isExact(a) ? combineUpperWithExact(b, a) : combineUpperWithExact(a, b);
}

function reduceRange(self: VersionRange, other: VersionRange): VersionRange {
  let start: Bound;
  let end: Bound;
  if (isExact(self.start) && isExact(other.start)) {
    if (compare(self.start, other.start) !== 0) throw new Incompatible();
    start = end = self.start;
  } else {
    start = combineLower(self.start, other.start);
    end = combineUpper(self.end, other.end);
  }
  if (compare(start, end) > 0) throw new Incompatible();
  return { start, end };
}

/** The intersection of every specifier, or undefined when they exclude each other. */
export function reduceVersions(specs: Array<VersionSpec | VersionRange>): VersionRange | undefined {
  const list: VersionSpec[] = [];
  for (const s of specs) {
    if ('start' in s) {
      if (s.start !== UNBOUNDED) list.push(s.start);
      if (s.end !== UNBOUNDED) list.push(s.end);
    } else list.push(s);
  }
  if (list.length === 0) return { start: UNBOUNDED, end: UNBOUNDED };
  try {
    // dbt pops the last specifier first, then reduces the rest into it in order.
    let range = toRange(list.pop()!);
    for (const s of list) range = reduceRange(range, toRange(s));
    return range;
  } catch (err) {
    if (err instanceof Incompatible) return undefined;
    throw err;
  }
}

function compatible(version: VersionSpec, range: VersionRange): boolean {
  return reduceVersions([version, range]) !== undefined;
}

/** The newest of `available` inside `range` (as written in the index), or undefined. */
export function resolveToSpecificVersion(range: VersionRange, available: string[]): string | undefined {
  let best: VersionSpec | undefined;
  let bestText: string | undefined;
  for (const text of available) {
    const v = parseVersion(text);
    if (!v) continue;
    if (compatible(v, range) && (best === undefined || compare(best, v) < 0)) {
      best = v;
      bestText = text;
    }
  }
  return bestText;
}

/** Installable versions, oldest first: without prereleases unless asked for (dbt's filter_installable). */
export function filterInstallable(versions: string[], installPrerelease: boolean): string[] {
  const kept = versions.map((text) => ({ text, v: parseVersion(text) })).filter((x): x is { text: string; v: VersionSpec } => x.v !== undefined && (installPrerelease || !x.v.prerelease));
  // Python's sorted() is stable and uses __lt__ (compare == -1).
  return kept.sort((a, b) => (compare(a.v, b.v) < 0 ? -1 : compare(b.v, a.v) < 0 ? 1 : 0)).map((x) => x.text);
}

/** Whether `version` (e.g. dbt's own) satisfies every `require-dbt-version` entry. */
export function versionsCompatible(version: string, requirements: string[]): boolean {
  const v = parseVersion(version);
  const specs = requirements.map(parseVersion);
  if (!v || specs.some((s) => s === undefined)) return false;
  if (specs.length === 0) return true;
  return reduceVersions([v, ...(specs as VersionSpec[])]) !== undefined;
}
