/**
 * YAML as dbt reads it (PyYAML's SafeLoader, YAML 1.1), shared by both YAML readers (yaml-fast.ts,
 * yaml-tree.ts) so they agree by construction: plain scalars resolve as PyYAML resolves them, and
 * mappings follow PyYAML's merge keys (`<<: *base`, `<<: [*a, *b]`) and dbt's duplicate-key check
 * (`dbt/clients/checked_load.py`).
 *
 * Plain scalars (`resolvePlainScalar`): `yes/no/on/off` are booleans, `0755` is octal, `1_000` and
 * `1:30` (base 60) are integers, `1e3` is a string (a float needs a dot) and so is `-.5`; dates
 * and timestamps are the text Python's `str()` gives them (`2020-01-01`,
 * `2001-12-14 21:59:43.100000-05:00`). A float with an integral value (`4.0`, `1.0e+3`, `1_000.0`)
 * is a `PyFloat` box so it stays a float for Jinja (`{{ var('rate') }}` renders `4.0`, a test
 * named from `[1.0]` is `..._1_0`); other floats are JS numbers.
 *
 * - Merged entries come first, then the mapping's own; a later entry wins (explicit keys override
 *   merged ones wherever they are written). In `<<: [*a, *b]` the later map wins, except that an
 *   entry seen before is skipped: PyYAML (6.0.4, as pinned with dbt here) drops a merged pair whose key string is the
 *   same Python object as an earlier one's — the same anchored entry again, or a one-character
 *   key (CPython shares those strings) — so there the first one wins.
 * - A repeated key is a warning (dbt: DuplicateYAMLKeysDeprecation), never an error; the last
 *   value wins at the position of the first, as in a Python dict.
 * - dbt skips the duplicate check for a mapping whose first key is `<<` (an "override"), so
 *   `{<<: *base, name: id}` is silent while `{name: id, <<: *base}` warns about `name`.
 */
import { pyFloat, PyFloat } from './jinja';
import type { Span } from './text';
import type { YamlProblem, YNode } from './yaml-tree';

export type MapEntry = { keySpan: Span; value: YNode };

export function duplicateKeyProblem(key: string, span: Span): YamlProblem {
  return { message: `Duplicate key '${key}': the last one wins (dbt warns: DuplicateYAMLKeysDeprecation)`, span, severity: 'warning' };
}

/**
 * The entries of a mapping with merge keys. `merges` are the values of its `<<` keys in order,
 * `explicit` its other entries (already deduplicated: first position, last value). Returns
 * undefined when a merge value is not a mapping or a sequence of mappings (PyYAML raises there).
 */
export function mergeEntries(
  merges: Array<{ value: YNode }>,
  explicit: Map<string, MapEntry>,
  checkDuplicates: boolean,
  problems: YamlProblem[],
): Map<string, MapEntry> | undefined {
  const result = new Map<string, MapEntry>();
  const seen = new Set<MapEntry>();
  const shortKeys = new Set<string>();
  for (const merge of merges) {
    const maps = merge.value.kind === 'map' ? [merge.value] : merge.value.kind === 'seq' ? merge.value.items : undefined;
    if (!maps) return undefined;
    for (const map of maps) {
      if (map.kind !== 'map') return undefined;
      for (const [key, entry] of map.entries) {
        if (seen.has(entry)) continue;
        seen.add(entry);
        if (key.length === 1 && key.charCodeAt(0) < 256) {
          if (shortKeys.has(key)) continue;
          shortKeys.add(key);
        }
        // PyYAML names the merged key where it is written (inside the anchored map).
        if (checkDuplicates && result.has(key)) problems.push(duplicateKeyProblem(key, entry.keySpan));
        result.set(key, entry);
      }
    }
  }
  for (const [key, entry] of explicit) {
    if (checkDuplicates && result.has(key)) problems.push(duplicateKeyProblem(key, entry.keySpan));
    result.set(key, entry);
  }
  return result;
}

export function mergeProblem(span: Span): YamlProblem {
  return { message: "A merge key '<<' needs a mapping or a list of mappings (an alias such as *base)", span, severity: 'error' };
}

const BOOL_TRUE = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;

/** The value PyYAML's SafeLoader gives an untagged plain scalar (YAML 1.1 implicit resolvers). */
export function resolvePlainScalar(v: string): unknown {
  const c0 = v.charCodeAt(0);
  if (v.length === 0) return null;
  // PyYAML picks resolvers by the first character: bool, float, int, null (timestamps stay text).
  if ((c0 >= 48 && c0 <= 57) || c0 === 43 || c0 === 45 || c0 === 46) {
    if (FLOAT.test(v)) return pythonFloat(v);
    if (INT.test(v)) return pythonInt(v);
    return c0 <= 57 && c0 >= 48 ? pythonTimestamp(v) : v;
  }
  if (v.length <= 5) {
    if (BOOL_TRUE.has(v)) return true;
    if (BOOL_FALSE.has(v)) return false;
    if (v === '~' || v === 'null' || v === 'Null' || v === 'NULL') return null;
  }
  return v;
}

/** PyYAML's construct_yaml_int. */
function pythonInt(text: string): number {
  let v = text.replace(/_/g, '');
  const sign = v[0] === '-' ? -1 : 1;
  if (v[0] === '+' || v[0] === '-') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
  if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
  if (v[0] === '0') return sign * parseInt(v, 8);
  if (v.includes(':')) return sign * sexagesimal(v);
  return sign * Number(v);
}

/** PyYAML's construct_yaml_float. */
function pythonFloat(text: string): number | PyFloat {
  let v = text.replace(/_/g, '').toLowerCase();
  const sign = v[0] === '-' ? -1 : 1;
  if (v[0] === '+' || v[0] === '-') v = v.slice(1);
  if (v === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (v === '.nan') return Number.NaN;
  return pyFloat(sign * (v.includes(':') ? sexagesimal(v) : Number(v)));
}

function sexagesimal(v: string): number {
  let value = 0;
  for (const part of v.split(':')) value = value * 60 + Number(part);
  return value;
}

const TIMESTAMP = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/** PyYAML's construct_yaml_timestamp, as the text `str()` gives the date or datetime; other text unchanged. */
function pythonTimestamp(v: string): string {
  const m = TIMESTAMP.exec(v);
  // Only YYYY-MM-DD alone or followed by a time is a timestamp (the resolver's two forms).
  if (!m || (m[4] === undefined && (m[2]!.length !== 2 || m[3]!.length !== 2))) return v;
  const two = (x: string | number): string => String(x).padStart(2, '0');
  const date = `${m[1]}-${two(m[2]!)}-${two(m[3]!)}`;
  if (m[4] === undefined) return date;
  const fraction = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let text = `${date} ${two(m[4])}:${m[5]}:${m[6]}${fraction ? '.' + String(fraction).padStart(6, '0') : ''}`;
  if (m[8] === 'Z') text += '+00:00';
  else if (m[9]) text += `${m[9]}${two(m[10]!)}:${m[11] ?? '00'}`;
  return text;
}
