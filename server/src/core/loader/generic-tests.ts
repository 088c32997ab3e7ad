/**
 * Generic data tests from properties yml (`data_tests:`/`tests:` of a model, seed, snapshot,
 * source table or column) → test nodes, named as dbt names them (`test-names.ts`).
 */
import { applyConfig, copyConfig } from '../config-tree';
import type { ProjectFile, ProjectNode } from '../model';
import { scan } from '../scanner';
import { genericTestUniqueId, synthesizeTestNames, testModelArgument } from '../test-names';
import { flat, type Span } from '../text';
import { items, toJS, type YNode } from '../yaml-tree';
import { isDict, type PackageContext } from './context';
import { NONE, register, severityOf, withLast } from './nodes';
import { renderedTestConfig } from './render-yaml';

/** Generic tests under `tests:`/`data_tests:` of a model, source table or column, named as dbt names them. */
/**
 * `holderTags`: the tags dbt gives every test of this holder besides its own (a column's `tags:`
 * and `config: {tags:}`; a source's and table's `tags:`), which reach the test's `tags`, never its config.
 */
export function addGenericTests(
  ctx: PackageContext,
  rel: string,
  holder: YNode,
  target: ProjectNode,
  columnName: string | undefined,
  targetName = target.name,
  holderTags: readonly string[] = NONE,
): void {
  if (holder.kind !== 'map') return;
  const dataTests = holder.entries.get('data_tests')?.value;
  const tests = holder.entries.get('tests')?.value;
  if (dataTests?.kind !== 'seq' && tests?.kind !== 'seq') return;
  const file = ctx.state.files.get(rel);
  const named = { name: targetName, resourceType: target.resourceType, source: target.source };
  const treeConfigs = ctx.config.trees.tests || ctx.rootConfig?.trees.tests;
  // The `model` argument every test of this target gets (part of each test's unique id).
  const model = testModelArgument(target);
  // Indexed loops: a big project has a test list on most models and columns (no iterator per list).
  const configured = treeConfigs !== undefined;
  const first = items(dataTests);
  for (let i = 0; i < first.length; i++) addGenericTest(ctx, rel, file, first[i]!, target, named, model, columnName, configured, holderTags);
  const second = items(tests);
  for (let i = 0; i < second.length; i++) addGenericTest(ctx, rel, file, second[i]!, target, named, model, columnName, configured, holderTags);
}

/** A project names a few kinds of test thousands of times: each name is split once. */
const testNames = new Map<string, { namespace: string | undefined; bare: string } | null>();

/** `unique` → {bare: unique}; `dbt_utils.accepted_range` → {namespace: dbt_utils, bare: accepted_range}; null when it is no test name. */
function testNameParts(testName: string): { namespace: string | undefined; bare: string } | null {
  let parts = testNames.get(testName);
  if (parts === undefined) {
    const match = /^(?:([a-zA-Z_][0-9a-zA-Z_]*)\.)?([a-zA-Z_][0-9a-zA-Z_]*)/.exec(testName);
    parts = match ? { namespace: match[1], bare: match[2]! } : null;
    // Bounded: names are the project's test kinds, but nothing stops a file from inventing many.
    if (testNames.size > 10_000) testNames.clear();
    testNames.set(testName, parts);
  }
  return parts;
}

const NO_ARGUMENTS: Record<string, unknown> = Object.freeze({});

/**
 * Arguments already seen, by content (`kwargsKey`): one frozen object, lists frozen too, for every
 * test written with the same ones. A big project repeats a few argument sets thousands of times
 * (the same accepted_values list on every model's status column), and each copy kept is copied
 * again by the collector. Bounded: a project of all-different arguments only pays for the keys.
 */
const kwargsByContent = new Map<string, Record<string, unknown>>();

function sharedKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
  // The same arguments mostly come test after test (every model's status column): compared with
  // the last shared ones in place before a key is built.
  if (lastShared !== undefined && sameKwargs(kwargs, lastShared, lastSharedKeys)) return lastShared;
  const key = kwargsKey(kwargs);
  if (key === undefined) return kwargs;
  let shared = kwargsByContent.get(key);
  if (shared === undefined) {
    for (const k in kwargs) if (Array.isArray(kwargs[k])) Object.freeze(kwargs[k]);
    if (kwargsByContent.size >= 1024) kwargsByContent.clear();
    kwargsByContent.set(key, (shared = Object.freeze(kwargs)));
  }
  lastShared = shared;
  lastSharedKeys = Object.keys(shared);
  return shared;
}

/** The arguments `sharedKwargs` answered last (frozen), and their keys. */
let lastShared: Record<string, unknown> | undefined;
let lastSharedKeys: string[] = [];

/** Whether `kwargs` has `shared`'s keys in its order and values `kwargsKey` cannot tell apart (scalars, lists of scalars). */
function sameKwargs(kwargs: Record<string, unknown>, shared: Record<string, unknown>, sharedKeys: readonly string[]): boolean {
  let i = 0;
  for (const k in kwargs) {
    if (i >= sharedKeys.length || sharedKeys[i] !== k) return false;
    i++;
    const v = kwargs[k];
    const w = shared[k];
    if (Array.isArray(v)) {
      if (!Array.isArray(w) || v.length !== w.length) return false;
      for (let j = 0; j < v.length; j++) if (!sameScalar(v[j], w[j])) return false;
    } else if (!sameScalar(v, w)) return false;
  }
  return i === sharedKeys.length;
}

/** Two scalars `scalarKey` gives one key (the shared side holds only scalars). */
function sameScalar(a: unknown, b: unknown): boolean {
  const t = typeof a;
  return (t === 'string' || t === 'number' || t === 'boolean' || a === null) && Object.is(a, b);
}

/**
 * A text that differs for any two kwargs objects whose values are scalars or lists of scalars
 * (keys in order, strings length-prefixed, types told apart); undefined for anything else
 * (mappings, a float kept as PyFloat), which is never shared.
 */
function kwargsKey(kwargs: Record<string, unknown>): string | undefined {
  let key = '';
  for (const k in kwargs) {
    const v = kwargs[k];
    key += `${k.length}:${k}`;
    if (Array.isArray(v)) {
      key += '[';
      for (let i = 0; i < v.length; i++) {
        const part = scalarKey(v[i]);
        if (part === undefined) return undefined;
        key += part;
      }
      key += ']';
    } else {
      const part = scalarKey(v);
      if (part === undefined) return undefined;
      key += part;
    }
  }
  return key;
}

function scalarKey(v: unknown): string | undefined {
  if (typeof v === 'string') return `s${v.length}:${v}`;
  if (typeof v === 'number') return Object.is(v, -0) ? 'n-0;' : `n${v};`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v === null) return 'z';
  return undefined;
}

/** `.` and the 10 hex digits that end a generic test's unique id. */
const HASH_SUFFIX = 11;

/** A test argument that calls ref() or source(). */
const CALL = /\b(ref|source)\s*\(/;

/** Arguments dbt takes as test configs, not test arguments (TestBuilder.CONFIG_ARGS). */
const CONFIG_ARGS = ['severity', 'tags', 'enabled', 'where', 'limit', 'warn_if', 'error_if', 'fail_calc', 'store_failures', 'store_failures_as', 'sql_header', 'meta', 'database', 'schema', 'alias'];
const CONFIG_KEYS = new Set(CONFIG_ARGS);

/**
 * One entry under `tests:`/`data_tests:` (`unique`, `accepted_values: {arguments: {...}, config: {...}}`,
 * `{test_name: unique, name: ...}`), read as dbt's TestBuilder reads it: arguments from `arguments:`
 * over the entry's other keys, config keys moved to the config, `name:` and `description:` taken out.
 */
function addGenericTest(
  ctx: PackageContext,
  rel: string,
  file: ProjectFile | undefined,
  spec: YNode,
  target: ProjectNode,
  named: Pick<ProjectNode, 'name' | 'resourceType' | 'source'>,
  model: string,
  columnName: string | undefined,
  treeConfigs: boolean,
  holderTags: readonly string[],
): void {
  let testName: string | undefined;
  // Shared and frozen when the entry has no keys of its own (`- unique`, most entries): never written to.
  let raw: Record<string, unknown> = NO_ARGUMENTS;
  let span: Span = spec.span;
  if (spec.kind === 'scalar' && typeof spec.value === 'string') {
    testName = spec.value;
  } else if (spec.kind === 'map' && spec.entries.has('test_name')) {
    const { test_name: given, ...rest } = toJS(spec) as Record<string, unknown>;
    if (typeof given === 'string') testName = given;
    span = spec.entries.get('test_name')!.value.span;
    raw = rest;
  } else if (spec.kind === 'map' && spec.entries.size === 1) {
    const [first] = spec.entries;
    const [key, { keySpan, value }] = first!;
    testName = key;
    span = keySpan;
    const args = toJS(value);
    if (isDict(args)) raw = args;
  }
  if (!testName) {
    ctx.state.report({ code: 'yaml-schema', file: rel, span, message: `Cannot read this test entry in ${rel}: a test is a name (\`- unique\`) or a mapping with one key (\`- accepted_values: {...}\`)` });
    return;
  }
  // The entry's keys, the column, then `arguments:` over them (dbt's order), in one object: a big
  // project reads tens of thousands of entries. `- unique` (the common one) has no keys of its own.
  let args: Record<string, unknown>;
  if (spec.kind === 'scalar') args = columnName !== undefined ? ctx.state.columnArguments(columnName) : raw;
  else {
    args = {};
    for (const k in raw) if (k !== 'arguments') args[k] = raw[k];
    if (columnName !== undefined) args.column_name = columnName;
    const explicitArgs = raw.arguments;
    if (isDict(explicitArgs)) for (const k in explicitArgs) args[k] = explicitArgs[k];
  }
  // Config: the legacy top-level keys (a falsy one gives way to config:'s), then config: itself.
  const configArg = isDict(args.config) ? args.config : undefined;
  let testConfig: Record<string, unknown> | undefined;
  let taken: Set<string> | undefined;
  // Most tests have no config keys at all: skip dbt's 15 lookups for them.
  let hasConfig = configArg !== undefined;
  if (!hasConfig) for (const k in args) if (CONFIG_KEYS.has(k)) hasConfig = true;
  if (hasConfig) for (const key of CONFIG_ARGS) {
    let value = args[key];
    if (!value && configArg) {
      value = configArg[key];
      (taken ??= new Set()).add(key);
    }
    if (value !== undefined && value !== null) (testConfig ??= {})[key] = value;
  }
  if (configArg) for (const [k, v] of Object.entries(configArg)) if (!taken?.has(k) && v !== undefined && v !== null) (testConfig ??= {})[k] = v;
  if (testConfig) testConfig = renderedTestConfig(ctx, rel, span, testConfig);
  // The test's arguments: the rest, built without delete (a big project keeps tens of thousands);
  // `args` itself when nothing is taken out (`- unique`: only its column).
  let description: unknown;
  let customName: unknown;
  let kwargs = args;
  for (const k in args) {
    if (k === 'name' || k === 'description' || k === 'config' || CONFIG_KEYS.has(k)) {
      kwargs = {};
      break;
    }
  }
  if (kwargs !== args) {
    for (const k in args) {
      const v = args[k];
      if (k === 'name') customName = v;
      else if (k === 'description') description = v;
      else if (k !== 'config' && !CONFIG_KEYS.has(k)) kwargs[k] = v;
    }
  }

  // Tests written with the same arguments (one accepted_values list on every model's column) keep one object.
  if (spec.kind !== 'scalar') kwargs = sharedKwargs(kwargs);

  const parts = testNameParts(testName);
  if (!parts) {
    ctx.state.report({ code: 'yaml-schema', file: rel, span, message: `'${testName}' is not a test name (letters, digits and _, optionally package.test)` });
    return;
  }
  const { namespace, bare } = parts;
  let name: string;
  let alias: string | undefined;
  if (customName !== undefined && customName !== null) name = String(customName);
  else {
    const type = `${namespace ? `${namespace}_` : ''}${named.resourceType === 'source' ? 'source_' : ''}${bare}`;
    const targetName = named.resourceType === 'source' ? `${named.source!.sourceName}_${named.name}` : named.name;
    const names = synthesizeTestNames(type, targetName, kwargs);
    name = flat(names.fullName);
    if (names.shortName !== names.fullName) alias = flat(names.shortName);
  }
  const uniqueId = flat(genericTestUniqueId(ctx.config.name, name, { namespace, name: bare, kwargs, model }));
  // The name is the middle of the id (`test.<package>.<name>.<hash>`, genericTestUniqueId's form):
  // kept as a slice of it, one string for both (a big project keeps tens of thousands of names).
  const nameAt = 'test.'.length + ctx.config.name.length + 1;
  if (uniqueId.length === nameAt + name.length + HASH_SUFFIX) name = uniqueId.slice(nameAt, nameAt + name.length);
  // Most tests have no config of their own: they share their folder's (frozen) config.
  let config = ctx.testConfig(rel, name, treeConfigs);
  const treeTags = config.tags;
  if (testConfig || alias !== undefined) {
    config = copyConfig(config);
    if (testConfig) applyConfig(config, testConfig);
    // A long synthesized name gets the short one as its alias, unless one is configured.
    if (alias !== undefined && config.alias === undefined) config.alias = alias;
  }
  const attachedTo = target.uniqueId;
  const severity = severityOf(config);
  const ownConfig = alias !== undefined && !(testConfig && 'alias' in testConfig) ? { ...testConfig, alias } : testConfig;
  // Literals with every key: an object that gains a key later gets a second, out-of-line store.
  // The common shapes are literals (a column's test, long-named ones with their short alias); the rest gain keys.
  let test: NonNullable<ProjectNode['test']>;
  if (!namespace && columnName !== undefined && alias !== undefined && ownConfig) test = { name: bare, kwargs, attachedTo, severity, columnName, compiledName: alias, config: ownConfig };
  else {
    test =
      columnName === undefined
        ? namespace
          ? { name: bare, kwargs, attachedTo, severity, namespace }
          : { name: bare, kwargs, attachedTo, severity }
        : namespace
          ? { name: bare, kwargs, attachedTo, severity, namespace, columnName }
          : { name: bare, kwargs, attachedTo, severity, columnName };
    if (alias !== undefined) test.compiledName = alias;
    if (ownConfig) test.config = ownConfig;
  }
  const fqn = withLast(ctx.fqnPrefix(rel), name);
  const packageName = ctx.config.name;
  // Enabled tests get the layer key the graph sets on every node (disabled ones never reach it).
  const node: ProjectNode = config.enabled
    ? { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, dependsOn: NONE, uniqueId, resourceType: 'test', name, packageName, file: rel, nameSpan: span, fqn, config, test, layer: undefined }
    : { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, dependsOn: NONE, uniqueId, resourceType: 'test', name, packageName, file: rel, nameSpan: span, fqn, config, test };
  if (typeof description === 'string') node.description = description;
  // Arguments like `to: ref('other')` add dependencies, exactly as dbt renders them.
  for (const key in kwargs) addArgumentCalls(node, kwargs[key], span);
  const macroCall = addTestMacroCalls(ctx, node);
  if (holderTags.length > 0 || (testConfig && 'tags' in testConfig) || (macroCall && 'tags' in macroCall)) {
    setTestTags(ctx, node, bare, treeTags, holderTags, tagList(testConfig?.tags), tagList(macroCall?.tags));
  }
  register(ctx, node, file);
}

/** A `tags` config value as dbt's TestBuilder.tags() reads it: a string is one tag. */
function tagList(value: unknown): string[] {
  if (value === undefined || value === null) return NONE;
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * A generic test's `config.tags` and `tags` as dbt makes them (parse_generic_test,
 * render_test_update). config.tags: the project's tree, then the test's own tags (the yml
 * config, dbt's config_call_dict); every test but dbt's own not_null and unique is then rendered
 * from its raw code, `{{ test_x(**kwargs) }}{{ config(<the yml config>) }}`, whose config() calls
 * append the macro's tags and the test's own again: lists are appended, never deduplicated
 * (MergeBehavior.Append). tags: the holder's and the test's own tags sorted and deduplicated, then
 * each of config.tags not yet in them. Written only where they differ from config.tags.
 */
function setTestTags(ctx: PackageContext, node: ProjectNode, bare: string, treeTags: readonly string[], holderTags: readonly string[], ownTags: string[], macroTags: string[]): void {
  const configTags = rendersTest(ctx, bare) ? [...treeTags, ...ownTags, ...macroTags, ...ownTags] : [...treeTags, ...ownTags];
  if (!sameTags(configTags, node.config.tags)) {
    node.config = copyConfig(node.config);
    node.config.tags = configTags;
  }
  const tags = [...new Set([...holderTags, ...ownTags])].sort(pythonOrder);
  for (const tag of configTags) if (!tags.includes(tag)) tags.push(tag);
  if (!sameTags(tags, node.config.tags)) node.tags = tags;
}

/**
 * Whether dbt renders the test at parse time: every test but those whose macro is dbt's own
 * test_not_null or test_unique (render_test_update's shortcut). dbt finds the macro by its bare
 * name in the project's and packages' macros before its own, whatever the test's namespace.
 */
function rendersTest(ctx: PackageContext, bare: string): boolean {
  return !((bare === 'not_null' || bare === 'unique') && !ctx.state.macros.has(`test_${bare}`));
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Python's sort of str: by code point (JS compares UTF-16 code units). */
function pythonOrder(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The ref()/source() calls of one test argument, nested in lists and mappings too (dbt renders every string in them). */
function addArgumentCalls(node: ProjectNode, value: unknown, span: Span): void {
  if (Array.isArray(value)) {
    for (const item of value) addArgumentCalls(node, item, span);
    return;
  }
  if (isDict(value)) {
    for (const key in value) addArgumentCalls(node, value[key], span);
    return;
  }
  if (typeof value !== 'string' || !CALL.test(value)) return;
  const inner = scan(`{{ ${value} }}`);
  node.refs = [...node.refs, ...inner.refs.map((r) => ({ ...r, span: span, callSpan: span }))];
  node.sources = [...node.sources, ...inner.sources.map((s) => ({ ...s, sourceSpan: span, tableSpan: span, callSpan: span }))];
}

/** What the test's macro records at parse time (a `ref('seed')` in its body), when it can record anything (parse-time.ts). */
function addTestMacroCalls(ctx: PackageContext, node: ProjectNode): Record<string, unknown> | undefined {
  const parsed = ctx.state.parser?.testMacroCalls(node);
  if (!parsed) return undefined;
  if (parsed.refs.length > 0) node.refs = [...node.refs, ...parsed.refs];
  if (parsed.sources.length > 0) node.sources = [...node.sources, ...parsed.sources];
  applyTestMacroConfig(node, parsed.call);
  for (const d of parsed.diagnostics) ctx.state.diagnostics.push(d);
  return parsed.call;
}

/**
 * The test macro's config() calls applied as dbt applies them, before the node is registered (an
 * `enabled=false` disables it): dbt's config_call_dict starts with the yml config, then it renders
 * the raw code, `{{ test_x(**kwargs) }}{{ config(<the yml config>) }}`, so the macro's calls come
 * over the project's config and the yml config comes over them again (tags and meta merge).
 * The macro's calls are not part of the test's own config (raw_code carries the yml config only).
 */
function applyTestMacroConfig(node: ProjectNode, call: Record<string, unknown>): void {
  if (Object.keys(call).length === 0) return;
  const wasEnabled = node.config.enabled;
  // Kept for the test's unrendered_config (state-view.ts): dbt records these calls where the test has no yml config.
  node.configLayers = { tree: node.config, call };
  // The config may be the folder's shared frozen one.
  node.config = copyConfig(node.config);
  applyConfig(node.config, call);
  if (node.test!.config) applyConfig(node.config, node.test!.config);
  node.test!.severity = severityOf(node.config);
  // Enabled tests carry the layer key the graph sets (disabled ones never reach it).
  if (wasEnabled && !node.config.enabled) delete node.layer;
  else if (!wasEnabled && node.config.enabled) node.layer = undefined;
}
