/**
 * dbt's names and unique ids for generic tests (`dbt/parser/generic_test_builders.py`,
 * `schema_generic_tests.py`), so artifacts, selectors and run results match dbt's:
 *
 *   name       not_null_orders_id, dbt_utils_accepted_range_orders_amount__0, or the yml `name:`
 *   alias      the name, or `<first 30 chars of test_target>_<md5>` when the name is 64+ chars
 *   unique_id  test.<project>.<name>.<last 10 hex of md5(name + repr(metadata))>
 */
import { PyFloat, pyRepr as pythonRepr, pyStr as pythonStr } from './jinja';
import { Md5Text } from './md5-text';
import { flat } from './text';

/**
 * dbt's synthesize_generic_test_names: `<testType>_<targetName>_<sorted argument values>` as the
 * full name, and the short one used for the alias (and compiled file) when the full name is long.
 * `testType` is the test's name with dbt's prefixes (`source_`, then `<namespace>_`); `targetName`
 * is `<model>`, `<model>_v<version>` or `<source>_<table>`.
 */
export function synthesizeTestNames(testType: string, targetName: string, args: Record<string, unknown>): { fullName: string; shortName: string } {
  // Built as one string, without intermediate arrays: a big project names tens of thousands of tests.
  const keys = sortedKeysWithModel(args);
  let unique: string | undefined;
  for (const key of keys) {
    if (key === 'model') continue;
    const value = args[key];
    if (Array.isArray(value)) for (const part of value) unique = joinPart(unique, part);
    else if (isDict(value)) for (const part of Object.values(value)) unique = joinPart(unique, part);
    else unique = joinPart(unique, value);
  }
  const identifier = `${testType}_${targetName}`;
  const fullName = `${identifier}_${unique ?? ''}`;
  const shortName = fullName.length >= 64 ? `${identifier.slice(0, 30)}_${hashed.reset().add(fullName).hexTail(32)}` : fullName;
  return { fullName, shortName };
}

/** `<so far>__<part as identifier chars>` (the part alone first). */
function joinPart(sofar: string | undefined, part: unknown): string {
  const text = identifierChars(pythonStr(part));
  return sofar === undefined ? text : `${sofar}__${text}`;
}

/**
 * The unique id dbt gives a generic test: the name, then the last 10 hex digits of the md5 of the
 * name and the repr of its test metadata (namespace, name, kwargs including `model`), where every
 * scalar is first turned into its Python `str()` and dict keys are sorted.
 */
export function genericTestUniqueId(projectName: string, name: string, metadata: { namespace: string | undefined; name: string; kwargs: Record<string, unknown>; model: string }): string {
  // name + repr({'kwargs': {...sorted, model included}, 'name': ..., 'namespace': ...}), written
  // straight into the hash's buffer: a big project hashes tens of thousands of these.
  const keys = sortedKeysWithModel(metadata.kwargs);
  hashed.reset().add(name).addBytes(KWARGS_OPEN);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) hashed.add(', ');
    hashed.addBytes(keyRepr(key));
    if (key === 'model' && !('model' in metadata.kwargs)) hashed.add(modelRepr(metadata.model));
    else addHashableRepr(metadata.kwargs[key]);
  }
  hashed.addBytes(testNameSuffix(metadata.name, metadata.namespace));
  return `test.${projectName}.${name}.${hashed.hexTail(10)}`;
}

/** The one hash buffer every test id and short name is written into (loading is single-threaded). */
const hashed = new Md5Text();
const KWARGS_OPEN = Md5Text.encode("{'kwargs': {");

/**
 * The tests of one column share one frozen arguments object (`- unique`, `- not_null`): its sorted
 * keys are found once (a frozen object's keys cannot change in between).
 */
let lastKwargs: Record<string, unknown> | undefined;
let lastKeys: readonly string[] = [];

/** The kwargs' keys plus `model` (which dbt passes every generic test), sorted. */
function sortedKeysWithModel(kwargs: Record<string, unknown>): readonly string[] {
  if (kwargs === lastKwargs) return lastKeys;
  const keys = Object.keys(kwargs);
  if (!('model' in kwargs)) keys.push('model');
  sortStrings(keys);
  if (Object.isFrozen(kwargs)) {
    lastKwargs = kwargs;
    lastKeys = keys;
  }
  return keys;
}

/** Argument names repeat in every test (`column_name`, `model`, `values`): each `'name': ` is encoded once. */
const keyReprs = new Map<string, Uint8Array>();

function keyRepr(key: string): Uint8Array {
  let repr = keyReprs.get(key);
  if (repr === undefined) {
    repr = Md5Text.encode(`${pythonRepr(key)}: `);
    // Bounded: keys are the tests' argument names, but nothing stops a file from inventing many.
    if (keyReprs.size > 10_000) keyReprs.clear();
    keyReprs.set(key, repr);
  }
  return repr;
}

/** `}, 'name': 'unique', 'namespace': None}`: the end of the hashed text, the same for every test of a kind (encoded once). */
const nameSuffixes = new Map<string, Uint8Array>();

function testNameSuffix(name: string, namespace: string | undefined): Uint8Array {
  const key = namespace === undefined ? name : `${namespace}.${name}`;
  let suffix = nameSuffixes.get(key);
  if (suffix === undefined) {
    suffix = Md5Text.encode(`}, 'name': ${hashableRepr(name)}, 'namespace': ${hashableRepr(namespace ?? null)}}`);
    if (nameSuffixes.size > 10_000) nameSuffixes.clear();
    nameSuffixes.set(key, suffix);
  }
  return suffix;
}

/**
 * The tests of one model or column come one after another: their model argument's repr is built
 * once for them. Kept as text, written into the hash per test: encoding it to bytes once per model
 * (TextEncoder, a typed array each) cost more than writing its few dozen characters each time.
 */
let lastModel: string | undefined;
let lastModelRepr = '';

function modelRepr(model: string): string {
  if (model !== lastModel) {
    lastModelRepr = hashableRepr(model);
    lastModel = model;
  }
  return lastModelRepr;
}

/** The `model` argument dbt passes every generic test (part of the hashed metadata). */
export function testModelArgument(target: { resourceType: string; name: string; version?: string; source?: { sourceName: string } }): string {
  const sourceName = target.resourceType === 'source' ? target.source!.sourceName : undefined;
  // The tests of one model, and of each of its columns, come one after another: built once for them.
  const last = lastArgument;
  if (last && last.name === target.name && last.resourceType === target.resourceType && last.version === target.version && last.sourceName === sourceName) return last.argument;
  let call: string;
  if (sourceName !== undefined) call = `source('${sourceName}', '${target.name}')`;
  else if (target.version !== undefined) call = `ref('${target.name}', version='${target.version}')`;
  else call = `ref('${target.name}')`;
  const argument = flat(`{{ get_where_subquery(${call}) }}`);
  lastArgument = { name: target.name, resourceType: target.resourceType, version: target.version, sourceName, argument };
  return argument;
}

let lastArgument: { name: string; resourceType: string; version: string | undefined; sourceName: string | undefined; argument: string } | undefined;

/** `re.sub('[^0-9a-zA-Z_]+', '_', text)`, without the regex for the common text that needs nothing replaced. */
function identifierChars(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return text.replace(/[^0-9a-zA-Z_]+/g, '_');
  }
  return text;
}

/**
 * Python's sorted() of a few keys (code points; the same as UTF-16 order for the keys yml has),
 * by insertion: Array.prototype.sort allocates a work array per call, ~25 MB per 30k tests.
 */
function sortStrings(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
}

/** A yml mapping (a float such as `5.0`, a `PyFloat` box, is a value). */
function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

/** Writes repr(get_hashable_md(v)) into the hash: what `hashableRepr` returns, without building it. */
function addHashableRepr(v: unknown): void {
  if (Array.isArray(v)) {
    hashed.add('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) hashed.add(', ');
      addHashableRepr(v[i]);
    }
    hashed.add(']');
  } else if (isDict(v)) {
    const keys = Object.keys(v);
    sortStrings(keys);
    hashed.add('{');
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) hashed.add(', ');
      hashed.add(pythonRepr(keys[i]!)).add(': ');
      addHashableRepr(v[keys[i]!]);
    }
    hashed.add('}');
  } else {
    const text = typeof v === 'string' ? v : pythonStr(v);
    // repr() of a plain string is the string in single quotes; anything else (quotes, escapes) as the runtime writes it.
    if (plainRepr(text)) hashed.add("'").add(text).add("'");
    else hashed.add(pythonRepr(text));
  }
}

/** True when Python's repr() of `text` is `'text'`: printable ASCII without quotes or backslashes. */
function plainRepr(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 39 || c === 34 || c === 92) return false;
  }
  return true;
}

/** repr(get_hashable_md(v)): dicts with sorted keys, lists kept, everything else the repr of its str(). */
function hashableRepr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(hashableRepr).join(', ')}]`;
  if (isDict(v)) {
    let out = '';
    const keys = Object.keys(v);
    sortStrings(keys);
    for (const k of keys) out += `${out ? ', ' : ''}${pythonRepr(k)}: ${hashableRepr(v[k])}`;
    return `{${out}}`;
  }
  return pythonRepr(typeof v === 'string' ? v : pythonStr(v));
}
