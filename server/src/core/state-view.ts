/**
 * The project as dbt's state comparison sees it: for every node and macro, the manifest fields
 * that `state:modified` reads (graph/selector_methods.py StateSelectorMethod and the `same_*`
 * methods of contracts/graph/nodes.py), computed as dbt computes them — `raw_code` (the file
 * stripped; a snapshot's block body), seed checksums, `unrendered_config` (the configs as written:
 * dbt_project.yml levels, yml `config:` deep-merged over its rendered self, `config()` calls as
 * dbt's static parser or its reconstruction of the first call gives them, shallow-updated in that
 * order as dbt 1.12's UnrenderedConfigGenerator does),
 * descriptions, columns and constraints, contract, `depends_on.macros`, source and exposure fields.
 * The same fields go into Medallion's manifest.json, so a state written by Medallion or by dbt
 * compares the same way. Pure.
 */
import * as crypto from 'node:crypto';
import { treeLayers } from './config-tree';
import { joinPath, type FileHost } from './host';
import { freshnessOf } from './freshness';
import { readCsv } from './csv';
import { parse as parseJinja, PyFloat, type ast } from './jinja';
import { repr } from './jinja/runtime';
import { correctedAnalysisFqns, type ColumnInfo, type MacroDefinition, type Project, type ProjectConfig, type ProjectNode } from './model';
import { sqlCallsOf } from './loader/node-calls';
import { parsePropertiesYaml } from './loader/properties';
import { scan } from './scanner';
import { fullBlockEnd, MAX_SEED_BYTES, pyStrip, rawCode, universalNewlines as universal } from './dbt-text';
import type { ManifestNode } from './state';
import { get, getString, items, toJS, type YNode } from './yaml-tree';

type Json = Record<string, unknown>;

const isDict = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `crypto.hash` (Node >= 20.12, 21.7); undefined before. */
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash;

/**
 * sha256 of a text's UTF-8, hex. One call where Node has `crypto.hash`: a Hash object per text
 * (a stream underneath) cost ~15 us each on the CLI's cold code, ~10 ms of ol_dbt's manifest.
 */
export const sha256 = oneShotHash ? (text: string): string => oneShotHash('sha256', text, 'hex') : (text: string): string => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

export interface StateView {
  /** Nodes, sources, exposures and unit tests by unique id, each the manifest entry fields the comparison reads. */
  nodes: Map<string, ManifestNode>;
  macros: Map<string, ManifestNode>;
}

/** The tree of dbt_project.yml a resource type is configured under. */
const TREES: Partial<Record<ProjectNode['resourceType'], keyof ProjectConfig['trees']>> = { model: 'models', analysis: 'models', operation: 'models', seed: 'seeds', snapshot: 'snapshots', test: 'tests', source: 'sources', unit_test: 'unit_tests' };

/** A source entry's part of its tables' fields (shared by them: copied, never changed). */
interface SourceLevel {
  config: Json;
  freshnessNull: boolean;
  external: unknown;
}

const NO_SOURCE_LEVEL: SourceLevel = { config: {}, freshnessNull: false, external: undefined };

/** yml entries by the span of their `name:` value, per file (each file parsed once per view); and config() calls read, by their text. */
export class YmlIndex {
  /** What `configCallConfig` read of a config() call, by the call's text (packages repeat one call in hundreds of models). */
  readonly configCalls = new Map<string, Json>();
  /** What dbt's static parser reads of a config() call (`extractedConfigs`), by the call's text; null where it reads nothing. */
  readonly extractedCalls = new Map<string, Array<[string, unknown]> | null>();
  private readonly files = new Map<string, Map<number, YNode>>();
  private readonly roots = new Map<string, YNode | undefined>();
  private readonly sources = new Map<string, Map<string, YNode>>();
  private readonly tables = new Map<YNode, Map<string, YNode>>();
  private readonly sourceLevels = new Map<YNode, SourceLevel>();

  /** @param parsed the trees the load kept (`manifestInputsOf`): a file among them is not parsed again */
  constructor(
    private readonly project: Project,
    private readonly parsed?: ReadonlyMap<string, YNode>,
  ) {}

  /** A yml file's parsed root. */
  root(file: string): YNode | undefined {
    const kept = this.parsed?.get(file);
    if (kept) return kept;
    if (this.roots.has(file)) return this.roots.get(file);
    const text = this.project.files.get(file)?.text;
    const root = text === undefined ? undefined : parsePropertiesYaml(text).root;
    this.roots.set(file, root);
    return root;
  }

  /** A source table's yml entries: the first `sources:` entry of its source's name, and that one's first table of its name. */
  sourceEntries(node: ProjectNode): { source?: YNode; table?: YNode } {
    const file = node.yml?.file;
    if (file === undefined || !node.source || this.project.files.get(file)?.text === undefined) return {};
    let sources = this.sources.get(file);
    if (!sources) {
      sources = new Map();
      for (const s of items(get(this.root(file), 'sources'))) {
        const name = getString(s, 'name');
        if (name !== undefined && !sources.has(name)) sources.set(name, s);
      }
      this.sources.set(file, sources);
    }
    const source = sources.get(node.source.sourceName);
    if (!source) return {};
    let tables = this.tables.get(source);
    if (!tables) {
      tables = new Map();
      for (const t of items(get(source, 'tables'))) {
        const name = getString(t, 'name');
        if (name !== undefined && !tables.has(name)) tables.set(name, t);
      }
      this.tables.set(source, tables);
    }
    const table = tables.get(node.name);
    return table ? { source, table } : { source };
  }

  /** What a `sources:` entry gives each of its tables' manifest fields: its config, `freshness: null`, `external`. */
  sourceLevel(source: YNode | undefined): SourceLevel {
    if (!source) return NO_SOURCE_LEVEL;
    let level = this.sourceLevels.get(source);
    if (!level) {
      const config = toJS(get(source, 'config'));
      level = { config: isDict(config) ? config : {}, freshnessNull: freshnessExplicitlyNull(source), external: toJS(get(source, 'external')) };
      this.sourceLevels.set(source, level);
    }
    return level;
  }

  entry(node: ProjectNode): YNode | undefined {
    // Unit tests are defined in yml: their own name is their entry.
    const at = node.yml ?? (node.resourceType === 'unit_test' && node.nameSpan ? { file: node.file, span: node.nameSpan } : undefined);
    if (!at) return undefined;
    let byName = this.files.get(at.file);
    if (!byName) {
      byName = new Map();
      const root = this.root(at.file);
      const add = (entry: YNode): void => {
        const name = get(entry, 'name');
        if (name) byName!.set(name.span.start, entry);
      };
      for (const key of ['models', 'seeds', 'snapshots', 'analyses', 'exposures', 'unit_tests', 'data_tests']) for (const e of items(get(root, key))) add(e);
      for (const source of items(get(root, 'sources'))) for (const t of items(get(source, 'tables'))) add(t);
      this.files.set(at.file, byName);
    }
    return byName.get(at.span.start);
  }
}

/**
 * The config dict layers dbt_project.yml gives a node, as written: its package's own levels, and
 * the root project's over a package's nodes, its top level included (`+` dropped). A node that
 * another package's yml patches with config has that package's levels for its own instead (dbt's
 * `patch_node_config`).
 */
function projectLayers(project: Project, node: ProjectNode, tree: keyof ProjectConfig['trees'], configuredBy = node.packageName): { own: Json[]; root: Json[] } {
  const own = configuredBy === project.config.name ? project.config : project.packages.get(configuredBy);
  const [fqnPackage = node.packageName, ...path] = node.fqn;
  // The trees as written (dbt's UnrenderedConfig: `+enabled: "{{ var('x') }}"` stays that text).
  const written = (config: ProjectConfig): Json | undefined => config.writtenTrees?.[tree] ?? config.trees[tree];
  return {
    own: own ? treeLayers(written(own), fqnPackage, path).map(strip) : [],
    // The root's top level too (fqn_search yields the tree's root first): `sources: {+quoting: ...}` reaches a package's sources.
    root: own === project.config ? [] : treeLayers(written(project.config), fqnPackage, path).map(strip),
  };
}

/** The package whose folder holds a file: the root project's unless a package's folder does. */
export function packageOfFile(project: Project, file: string): string {
  let best: { name: string; base: string } | undefined;
  for (const [name, config] of project.packages) {
    const base = config.base;
    if (base && file.startsWith(base + '/') && (!best || base.length > best.base.length)) best = { name, base };
  }
  return best?.name ?? project.config.name;
}

/** Layers with `+` dropped from their keys, by layer: every node of a folder has the same ones. */
const strippedLayers = new WeakMap<Json, Json>();

function strip(layer: Json): Json {
  let out = strippedLayers.get(layer);
  if (!out) {
    out = Object.fromEntries(Object.entries(layer).map(([k, v]) => [k.startsWith('+') ? k.slice(1) : k, v]));
    strippedLayers.set(layer, out);
  }
  return out;
}

/** dbt's `unrendered_config`: the configs as written, each layer shallow-updating the ones before (UnrenderedConfigGenerator). */
export function unrenderedConfig(project: Project, node: ProjectNode, ymlEntry: YNode | undefined, yml: YmlIndex): Json {
  if (node.resourceType === 'exposure') return { ...(node.exposure?.unrenderedConfig ?? {}) };
  if (node.resourceType === 'test' && node.test?.attachedTo) {
    // Generic tests (render_test_update): the project's `data_tests:` levels as written, then the
    // config call, then the root project's levels over a package's test. dbt renders every generic
    // test but its own not_null/unique from `{{ test_x(**kwargs) }}{{ config(<its yml config>) }}`
    // and records that call's keyword arguments as written: a value that is no string as its
    // Python text (`limit=5`: '5'); without a yml config, what the test macro's config() calls set.
    const out: Json = {};
    const layers = projectLayers(project, node, 'tests');
    for (const layer of layers.own) Object.assign(out, layer);
    // The test's own config (TestBuilder.config: the yml config rendered, and the short alias of a long name).
    const own = node.test.config;
    const rendered = !((node.test.name === 'not_null' || node.test.name === 'unique') && !project.macros.has(`test_${node.test.name}`));
    if (own && Object.keys(own).length > 0) {
      for (const [key, value] of Object.entries(own)) out[key] = rendered && typeof value !== 'string' ? repr(value) : value;
    } else if (rendered && node.configLayers?.call) {
      Object.assign(out, node.configLayers.call);
    }
    for (const layer of layers.root) Object.assign(out, layer);
    return out;
  }
  const tree = node.resourceType === 'analysis' && correctedAnalysisFqns(project.config) ? 'analyses' : TREES[node.resourceType];
  const written = toJS(get(ymlEntry, 'config'));
  // A top-level `meta:` is config.meta to dbt (PropertyMovedToConfigDeprecation), recorded with the yml config.
  const meta = toJS(get(ymlEntry, 'meta'));
  const patched = (isDict(written) && Object.keys(written).length > 0) || (isDict(meta) && Object.keys(meta).length > 0);
  const configuredBy = patched && node.yml ? packageOfFile(project, node.yml.file) : node.packageName;
  const layers = tree ? projectLayers(project, node, tree, configuredBy) : { own: [], root: [] };
  const out: Json = {};
  for (const layer of layers.own) Object.assign(out, layer);
  if (isDict(written)) Object.assign(out, ymlPatch(node, written));
  // Rendered, as dbt's patch moves it into the config it renders (a `|` block loses its final newline).
  const renderedMeta = node.configLayers?.patch?.meta;
  if (isDict(meta) && !(isDict(written) && 'meta' in written)) out.meta = isMapping(renderedMeta) ? renderedMeta : meta;
  const extracted = node.resourceType === 'model' ? extractedConfigs(project, node, yml.extractedCalls) : undefined;
  if (!extracted) {
    Object.assign(out, configCallConfig(project, node, yml.configCalls));
    for (const layer of layers.root) Object.assign(out, layer);
    return out;
  }
  // A model dbt's static parser reads (ModelParser.populate): its config() calls' values as parsed,
  // merged as config calls are; without a yml patch, then written over everything as a dict of them.
  Object.assign(out, mergedConfigCalls(extracted));
  for (const layer of layers.root) Object.assign(out, layer);
  if (!patched) Object.assign(out, Object.fromEntries(extracted));
  return out;
}

/** A yml mapping, not a float box. */
const isMapping = (v: unknown): v is Json => isDict(v) && !(v instanceof PyFloat);

/**
 * A node's yml `config:` as dbt records it for comparison (update_parsed_node_config): the rendered
 * config deep-merged with the one written (dbt_common's deep_merge: mappings key by key, a list
 * written is put before the rendered value's items, so a yml list is there twice; any other value
 * as written). The rendered one is the node's patch layer, limited to the keys written.
 */
function ymlPatch(node: ProjectNode, written: Json): Json {
  const rendered = node.configLayers?.patch;
  if (!rendered) return written;
  const base: Json = {};
  for (const key of Object.keys(written)) if (key in rendered) base[key] = rendered[key];
  return deepMerge(base, written);
}

function deepMerge(into: Json, source: Json): Json {
  const out: Json = { ...into };
  for (const [key, value] of Object.entries(source)) {
    const before = out[key];
    if (isMapping(value)) out[key] = deepMerge(isMapping(before) ? before : {}, value);
    else if (Array.isArray(value)) out[key] = key in out ? [...value, ...pyList(before)] : value;
    else out[key] = value;
  }
  return out;
}

/** Python's `list(x)`: a list's items, a string's characters, a dict's keys. */
function pyList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (isMapping(value)) return Object.keys(value);
  return [value];
}

/** dbt's config-call merge (dbt_common merge_config_dicts): hooks and tags append, dicts update, the rest clobbers. */
const APPEND_CONFIGS = new Set(['pre-hook', 'pre_hook', 'post-hook', 'post_hook', 'tags', 'packages']);
const UPDATE_CONFIGS = new Set(['quoting', 'column_types', 'meta', 'docs', 'contract']);

function mergedConfigCalls(pairs: Array<[string, unknown]>): Json {
  const out: Json = {};
  for (const [key, value] of pairs) {
    if (Object.keys(out).length === 0) out[key] = value;
    else if (APPEND_CONFIGS.has(key)) out[key] = key in out ? [...listify(out[key]), ...listify(value)] : listify(value);
    else if (UPDATE_CONFIGS.has(key) && isMapping(out[key]) && isMapping(value)) out[key] = { ...out[key], ...value };
    else out[key] = value;
  }
  return out;
}

const listify = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** The config keyword arguments dbt's static parser cannot take (dbt-extractor's `excluded`). */
const EXTRACTOR_EXCLUDED = new Set(['post-hook', 'post_hook', 'pre-hook', 'pre_hook']);

/**
 * A SQL model's config() keyword arguments in order, as dbt's static parser (dbt-extractor) reads
 * them, when it reads the file at all (else undefined): the file's Jinja is only literal
 * ref/source/config calls (the scan's `static`, which also refuses a trailing comma in a call, list
 * or dict that dbt-extractor takes), `ref`, `source` and `config` are dbt's own, and each config value is a string literal,
 * `True`/`False`, or a list or dict of those (no number, `none`, lowercase `true`, hook).
 */
function extractedConfigs(project: Project, node: ProjectNode, read: Map<string, Array<[string, unknown]> | null>): Array<[string, unknown]> | undefined {
  if (node.file.endsWith('.py')) return undefined;
  const text = project.files.get(node.file)?.text;
  if (text === undefined) return undefined;
  if (node.parsed?.by !== 'scan') {
    // Rendered: a file with a statement never is static; else the scan again, trailing commas aside (or a --verify load).
    if (text.includes('{%') || !scan(text.replace(/,(\s*[)\]}])/g, '$1')).static) return undefined;
    const root = project.config.name;
    if (['ref', 'source', 'config'].some((name) => project.macros.get(name)?.some((m) => m.packageName === root || m.packageName === node.packageName))) return undefined;
  }
  const pairs: Array<[string, unknown]> = [];
  for (const call of sqlCallsOf(project, node).configs) {
    const source = text.slice(call.callSpan.start, call.callSpan.end);
    let known = read.get(source);
    if (known === undefined) read.set(source, (known = extractedCall(source)));
    if (!known) return undefined;
    pairs.push(...known);
  }
  return pairs;
}

/** One config() call's keyword arguments as dbt-extractor reads them, or null. */
function extractedCall(source: string): Array<[string, unknown]> | null {
  const pairs: Array<[string, unknown]> = [];
  const { template } = parseJinja(`{{ ${source} }}`);
  const output = template.body.find((stmt) => stmt.kind === 'Output');
  const expr = output?.kind === 'Output' && output.expr.kind === 'Call' ? output.expr : undefined;
  if (!expr || expr.args.length > 0 || expr.kwargs.length === 0) return null;
  // Spans are in `{{ source }}`: three characters before the call's own text.
  const literal = (e: ast.Expr): unknown => {
    if (e.kind === 'Const') {
      const written = source.slice(e.span.start - 3, e.span.end - 3);
      if (typeof e.value === 'boolean') return written === 'True' || written === 'False' ? e.value : NOT_LITERAL;
      // One quoted literal (adjacent literals, `'a' 'b'`, are Jinja's concatenation, not dbt-extractor's).
      if (typeof e.value === 'string') return written.length >= 2 && !written.slice(1, -1).includes(written[0]!) ? e.value : NOT_LITERAL;
      return NOT_LITERAL;
    }
    if (e.kind === 'List') {
      const items = e.items.map(literal);
      return items.includes(NOT_LITERAL) ? NOT_LITERAL : items;
    }
    if (e.kind === 'Dict') {
      const out: Json = {};
      for (const p of e.items) {
        const value = literal(p.value);
        if (p.key.kind !== 'Const' || typeof p.key.value !== 'string' || value === NOT_LITERAL) return NOT_LITERAL;
        out[p.key.value] = value;
      }
      return out;
    }
    return NOT_LITERAL;
  };
  for (const kw of expr.kwargs) {
    const value = literal(kw.value);
    if (EXTRACTOR_EXCLUDED.has(kw.name) || value === NOT_LITERAL) return null;
    pairs.push([kw.name, value]);
  }
  return pairs;
}

const NOT_LITERAL = Symbol('not a literal');

/**
 * What dbt records of a SQL file's `config()` call for comparison (statically_parse_unrendered_config):
 * the first call's keyword arguments, a string constant as its value, anything else as its source
 * reconstructed the way dbt prints it (`['status']`, `env_var('X')`, `True`).
 */
function configCallConfig(project: Project, node: ProjectNode, read: Map<string, Json>): Json {
  const configCalls = sqlCallsOf(project, node).configs;
  const first = configCalls[0];
  const text = project.files.get(node.file)?.text;
  if (text === undefined || node.file.endsWith('.py')) return Object.assign({}, ...configCalls.map((c) => c.values)) as Json;
  // Where dbt finds no keyword arguments to record (no `config(` written in the node's code, as in
  // `config (` or a macro's call; a first call without `=`, `config({...})`), it keeps the config
  // the calls rendered (ContextConfig.build_config_dict).
  const rendered = (): Json => ({ ...(node.configLayers?.call ?? {}) });
  if (!first || !rawCode(node, text).includes('config(')) return rendered();
  const source = text.slice(first.callSpan.start, first.callSpan.end);
  const known = read.get(source);
  if (known) return known;
  if (!source.includes('=')) return rendered();
  const { template } = parseJinja(`{{ ${source} }}`);
  const output = template.body.find((stmt) => stmt.kind === 'Output');
  const call = output?.kind === 'Output' && output.expr.kind === 'Call' ? output.expr : undefined;
  if (!call) return { ...first.values };
  const out: Json = {};
  for (const kw of call.kwargs) out[kw.name] = kw.value.kind === 'Const' && typeof kw.value.value === 'string' ? kw.value.value : pySource(kw.value);
  read.set(source, out);
  return out;
}

const COMPARE_OPS: Record<string, string> = { notin: 'not in' };

/** dbt's `_reconstruct_node`: a Jinja expression as Python prints it back. */
function pySource(e: ast.Expr): string {
  switch (e.kind) {
    case 'Const':
      return repr(e.value);
    case 'Name':
      return e.name;
    case 'Call':
      return `${pySource(e.fn)}(${[...e.args.map(pySource), ...e.kwargs.map((k) => `${k.name}=${pySource(k.value)}`), ...(e.dynArgs ? [`*${pySource(e.dynArgs)}`] : []), ...(e.dynKwargs ? [`**${pySource(e.dynKwargs)}`] : [])].join(', ')})`;
    case 'List':
      return `[${e.items.map(pySource).join(', ')}]`;
    case 'Tuple':
      return e.items.length === 1 ? `(${pySource(e.items[0]!)},)` : `(${e.items.map(pySource).join(', ')})`;
    case 'Dict':
      return `{${e.items.map((p) => `${pySource(p.key)}: ${pySource(p.value)}`).join(', ')}}`;
    case 'Getattr':
      return `${pySource(e.obj)}.${e.attr}`;
    case 'Getitem':
      return `${pySource(e.obj)}[${pySource(e.index)}]`;
    case 'Concat':
      return e.nodes.map(pySource).join(' ~ ');
    case 'Compare':
      return `${pySource(e.expr)} ${e.ops.map((o) => `${COMPARE_OPS[o.op] ?? o.op} ${pySource(o.expr)}`).join(' ')}`;
    case 'Unary':
      return e.op === 'not' ? `not ${pySource(e.operand)}` : `${e.op}${pySource(e.operand)}`;
    case 'And':
      return `${pySource(e.left)} and ${pySource(e.right)}`;
    case 'Or':
      return `${pySource(e.left)} or ${pySource(e.right)}`;
    default:
      // dbt prints other nodes (`a if b else c`, filters, arithmetic) as jinja2's AST repr.
      return jinjaRepr(e);
  }
}

const JINJA_COMPARE_OPS: Record<string, string> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'lteq', '>': 'gt', '>=': 'gteq' };
const JINJA_BIN_OPS: Record<string, string> = { '+': 'Add', '-': 'Sub', '*': 'Mul', '/': 'Div', '//': 'FloorDiv', '%': 'Mod', '**': 'Pow' };
const JINJA_UNARY_OPS: Record<string, string> = { '-': 'Neg', '+': 'Pos', not: 'Not' };

/** jinja2's `repr()` of an expression node (Node.__repr__: its fields in order, children alike). */
function jinjaRepr(e: ast.Expr | null): string {
  if (e === null) return 'None';
  const list = (items: Array<ast.Expr | null>): string => `[${items.map(jinjaRepr).join(', ')}]`;
  const callArgs = (c: ast.CallArgs): string => `args=${list(c.args)}, kwargs=[${c.kwargs.map((k) => `Keyword(key=${repr(k.name)}, value=${jinjaRepr(k.value)})`).join(', ')}], dyn_args=${jinjaRepr(c.dynArgs)}, dyn_kwargs=${jinjaRepr(c.dynKwargs)}`;
  switch (e.kind) {
    case 'Const':
      return `Const(value=${repr(e.value)})`;
    case 'Name':
      return `Name(name=${repr(e.name)}, ctx='load')`;
    case 'Getattr':
      return `Getattr(node=${jinjaRepr(e.obj)}, attr=${repr(e.attr)}, ctx='load')`;
    case 'Getitem':
      return `Getitem(node=${jinjaRepr(e.obj)}, arg=${jinjaRepr(e.index)}, ctx='load')`;
    case 'Slice':
      return `Slice(start=${jinjaRepr(e.start)}, stop=${jinjaRepr(e.stop)}, step=${jinjaRepr(e.step)})`;
    case 'Call':
      return `Call(node=${jinjaRepr(e.fn)}, ${callArgs(e)})`;
    case 'Filter':
      return `Filter(node=${jinjaRepr(e.node)}, name=${repr(e.name)}, ${callArgs(e)})`;
    case 'Test':
      return `Test(node=${jinjaRepr(e.node)}, name=${repr(e.name)}, ${callArgs(e)})`;
    case 'BinOp':
      return `${JINJA_BIN_OPS[e.op] ?? e.op}(left=${jinjaRepr(e.left)}, right=${jinjaRepr(e.right)})`;
    case 'Unary':
      return `${JINJA_UNARY_OPS[e.op] ?? e.op}(node=${jinjaRepr(e.operand)})`;
    case 'And':
    case 'Or':
      return `${e.kind}(left=${jinjaRepr(e.left)}, right=${jinjaRepr(e.right)})`;
    case 'Compare':
      return `Compare(expr=${jinjaRepr(e.expr)}, ops=[${e.ops.map((o) => `Operand(op=${repr(JINJA_COMPARE_OPS[o.op] ?? o.op)}, expr=${jinjaRepr(o.expr)})`).join(', ')}])`;
    case 'Concat':
      return `Concat(nodes=${list(e.nodes)})`;
    case 'CondExpr':
      return `CondExpr(test=${jinjaRepr(e.test)}, expr1=${jinjaRepr(e.expr1)}, expr2=${jinjaRepr(e.expr2)})`;
    case 'List':
      return `List(items=${list(e.items)})`;
    case 'Tuple':
      return `Tuple(items=${list(e.items)}, ctx='load')`;
    case 'Dict':
      return `Dict(items=[${e.items.map((p) => `Pair(key=${jinjaRepr(p.key)}, value=${jinjaRepr(p.value)})`).join(', ')}])`;
    default:
      // Nothing jinja2 would print (a parse error, a namespace reference outside `set`).
      return `<${e.kind}>`;
  }
}

/** What dbt writes for a source without freshness criteria (an empty FreshnessThreshold). */
const EMPTY_FRESHNESS = { warn_after: { count: null, period: null }, error_after: { count: null, period: null }, filter: null };

/** The unique ids of the project macros a text calls (`name(` and `pkg.name(`), resolved as dbt does (own package, then the root). */
function macroIds(project: Project, packageName: string, calls: Array<{ name: string }>): string[] {
  const out: string[] = [];
  for (const call of calls) {
    const parts = call.name.split('.');
    const name = parts[parts.length - 1]!;
    const list = project.macros.get(name);
    if (!list) continue;
    const macro = parts.length === 2 ? list.find((m) => m.packageName === parts[0]) : (list.find((m) => m.packageName === packageName) ?? list.find((m) => m.packageName === project.config.name) ?? list[0]);
    if (!macro) continue;
    const id = `macro.${macro.packageName}.${macro.name}`;
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** The columns dict of a manifest entry: what the comparison reads of each column. */
function columnsOf(node: ProjectNode): Json {
  return Object.fromEntries(node.columns.map((c) => [c.name, { name: c.name, description: c.description ?? '', data_type: c.dataType ?? null, constraints: columnConstraints(c) }]));
}

/** A column's constraints as its manifest entry holds them. */
export function columnConstraints(column: ColumnInfo): Json[] {
  return (column.constraints ?? []).map(constraintJson);
}

/** A constraint with dbt's defaults filled in (ColumnLevelConstraint / ModelLevelConstraint). */
function constraintJson(c: Json): Json {
  return { type: c.type, name: c.name ?? null, expression: c.expression ?? null, warn_unenforced: c.warn_unenforced ?? true, warn_unsupported: c.warn_unsupported ?? true, to: c.to ?? null, to_columns: c.to_columns ?? [], ...(c.columns !== undefined ? { columns: c.columns } : {}) };
}

/** dbt's unit test checksum: sha256 of `model-versions-given-expect-overrides` as Python prints them. */
function unitTestChecksum(node: ProjectNode, entry: YNode | undefined): string {
  const raw = (key: string): unknown => toJS(get(entry, key));
  // csv rows written inline are parsed into dicts of strings, as dbt does before it checksums them.
  const rowsOf = (d: Json, format: string): unknown => {
    // dbt keeps sql rows as written, stripped (a `|` block's final newline is not part of them).
    if (format === 'sql' && typeof d.rows === 'string') return pyStrip(d.rows);
    if (format !== 'csv' || typeof d.rows !== 'string') return d.rows ?? null;
    const [header, ...records] = readCsv(d.rows.trim(), ',').rows;
    return records.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
  };
  const fixture = (f: unknown, input: boolean): string => {
    const d = isDict(f) ? f : {};
    const format = String(d.format ?? 'dict');
    const member = format === 'csv' ? 'CSV' : format === 'sql' ? 'SQL' : 'Dict';
    const fields = [...(input ? [`input=${repr(d.input ?? null)}`] : []), `rows=${repr(rowsOf(d, format))}`, `format=<UnitTestFormat.${member}: '${format}'>`, `fixture=${repr(d.fixture ?? null)}`];
    return `${input ? 'UnitTestInputFixture' : 'UnitTestOutputFixture'}(${fields.join(', ')})`;
  };
  const given = Array.isArray(raw('given')) ? (raw('given') as unknown[]) : [];
  const overridesRaw = raw('overrides');
  const overrides = isDict(overridesRaw) ? `UnitTestOverrides(macros=${repr(overridesRaw.macros ?? {})}, vars=${repr(overridesRaw.vars ?? {})}, env_vars=${repr(overridesRaw.env_vars ?? {})})` : 'None';
  const versionsRaw = raw('versions');
  const versions = isDict(versionsRaw) ? `UnitTestNodeVersions(include=${repr(versionsRaw.include ?? null)}, exclude=${repr(versionsRaw.exclude ?? null)})` : 'None';
  let data = `${node.unitTest?.model ?? ''}-${versions}-[${given.map((g) => fixture(g, true)).join(', ')}]-${fixture(raw('expect'), false)}-${overrides}`;
  for (const g of given) if (isDict(g) && g.fixture) data += `-${repr(g.rows ?? null)}`;
  return sha256(data);
}

/** The state fields of one node, as its manifest entry holds them. */
export function nodeState(project: Project, node: ProjectNode, read: FileReader = textOf(project), yml: YmlIndex = new YmlIndex(project)): ManifestNode {
  const entry = yml.entry(node);
  const base: ManifestNode = { unique_id: node.uniqueId, resource_type: node.resourceType, name: node.name, package_name: node.packageName, fqn: node.fqn, description: node.description ?? '' };
  switch (node.resourceType) {
    case 'source':
      return { ...base, ...sourceFields(project, node, entry, yml) };
    case 'exposure': {
      const e = node.exposure!;
      return { ...base, type: e.type, owner: { email: e.owner.email ?? null, name: e.owner.name ?? null }, maturity: e.maturity ?? null, url: e.url ?? null, label: e.label ?? null, depends_on: { nodes: node.dependsOn, macros: [] }, unrendered_config: unrenderedConfig(project, node, entry, yml) };
    }
    case 'unit_test':
      return { ...base, checksum: unitTestChecksum(node, entry) };
    default:
      break;
  }
  const raw = read(node.file) ?? '';
  const isTest = node.resourceType === 'test';
  // A generic test also depends on the macro that defines it (`test_<name>`), when the project has one.
  const macroCalls = sqlCallsOf(project, node).macroCalls;
  // dbt renders every generic test but its own not_null/unique at parse time, which calls get_where_subquery (manifest.ts nodeMacros).
  const rendered = node.test !== undefined && ((node.test.name !== 'not_null' && node.test.name !== 'unique') || project.macros.has(`test_${node.test.name}`));
  const calls = node.test?.attachedTo ? [...macroCalls, { name: `${node.test.namespace ? `${node.test.namespace}.` : ''}test_${node.test.name}` }, ...(rendered ? [{ name: 'get_where_subquery' }] : [])] : macroCalls;
  const out: ManifestNode = {
    ...base,
    unrendered_config: unrenderedConfig(project, node, entry, yml),
    config: isTest ? { enabled: node.config.enabled, materialized: node.config.materialized } : { enabled: node.config.enabled, materialized: node.config.materialized, persist_docs: isDict(node.config.persist_docs) ? node.config.persist_docs : {}, contract: { enforced: contractEnforced(node) } },
    columns: columnsOf(node),
    depends_on: { macros: macroIds(project, node.packageName, calls), nodes: node.dependsOn },
  };
  if (node.resourceType === 'seed') out.checksum = seedChecksum(node, raw);
  out.raw_code = rawCode(node, raw);
  if (node.resourceType === 'model') {
    out.version = node.version ?? null;
    out.latest_version = node.latestVersion ?? null;
    Object.assign(out, modelFields(node, entry));
    out.contract = { enforced: contractEnforced(node) };
  }
  return out;
}

/**
 * The fields of one node's manifest.json entry that this view computes (what core/manifest.ts
 * overlays on its own entry), for that node alone: the same values `nodeState` holds, without
 * reading what the manifest does not take from here (a generic test's yml, raw code, macro calls).
 */
export function manifestStateFields(project: Project, node: ProjectNode, read: FileReader, yml: YmlIndex): Json {
  const entry = yml.entry(node);
  switch (node.resourceType) {
    case 'source':
      return sourceFields(project, node, entry, yml);
    case 'unit_test':
      return { checksum: unitTestChecksum(node, entry) };
    case 'exposure':
      return { unrendered_config: unrenderedConfig(project, node, entry, yml) };
    default:
      break;
  }
  // The columns' constraints are not here: the writer takes them from the node (`columnConstraints`), without a second columns dict.
  const out: Json = { unrendered_config: unrenderedConfig(project, node, entry, yml) };
  if (node.resourceType === 'seed') out.checksum = seedChecksum(node, read(node.file) ?? '');
  if (node.resourceType === 'model') Object.assign(out, modelFields(node, entry));
  return out;
}

function contractEnforced(node: ProjectNode): boolean {
  return isDict(node.config.contract) && node.config.contract.enforced === true;
}

/** A seed's checksum: sha256 of its text as Python reads it (universal newlines, stripped); the path when too large. */
function seedChecksum(node: ProjectNode, raw: string): { name: string; checksum: string } {
  const text = universal(raw);
  return Buffer.byteLength(text, 'utf8') > MAX_SEED_BYTES ? { name: 'path', checksum: node.file } : { name: 'sha256', checksum: sha256(pyStrip(text)) };
}

/** A model's access, deprecation date and model-level constraints. */
function modelFields(node: ProjectNode, entry: YNode | undefined): Json {
  return {
    access: (getString(entry, 'access') ?? (typeof node.config.access === 'string' ? node.config.access : undefined)) ?? 'protected',
    deprecation_date: getString(entry, 'deprecation_date') ?? null,
    constraints: (node.constraints ?? []).map(constraintJson),
  };
}

/** A source table's fields beyond the common ones: its identifier, unrendered names, quoting, freshness, external, unrendered_config. */
function sourceFields(project: Project, node: ProjectNode, entry: YNode | undefined, yml: YmlIndex): Json {
  const source = node.source!;
  const entries = yml.sourceEntries(node);
  const spec = freshnessOf(project, node, entries);
  const sourceEntry = entries.source;
  // What the source's own entry gives, read once for all its tables.
  const shared = yml.sourceLevel(sourceEntry);
  const meta = { ...(isDict(source.sourceMeta) ? source.sourceMeta : {}), ...node.config.meta };
  const tableConfig = toJS(get(entry, 'config'));
  const config: Json = { ...shared.config, ...(isDict(tableConfig) ? tableConfig : {}) };
  const freshnessNull = freshnessExplicitlyNull(entry) || shared.freshnessNull;
  if (spec) config.freshness = spec.criteria;
  else if (freshnessNull) config.freshness = null;
  else delete config.freshness;
  // Without freshness criteria (`freshness: null`), a loaded_at_field written is still the source's.
  const written = node.config.loaded_at_field;
  const loadedAtField = spec?.loadedAtField ?? (typeof written === 'string' && written !== '' ? written : null);
  config.loaded_at_field = loadedAtField;
  config.loaded_at_query = spec?.loadedAtQuery ?? null;
  config.meta = meta;
  config.tags = [...new Set(node.config.tags)].sort();
  const layered: Json = {};
  const levels = projectLayers(project, node, 'sources');
  for (const layer of [...levels.own, ...levels.root]) Object.assign(layered, layer);
  return {
    identifier: source.identifier,
    unrendered_database: getString(sourceEntry, 'database') ?? getString(sourceEntry, 'catalog') ?? null,
    unrendered_schema: getString(sourceEntry, 'schema') ?? null,
    quoting: { database: null, schema: null, identifier: null, column: null, ...source.quoting },
    freshness: spec?.criteria ?? (freshnessNull ? null : EMPTY_FRESHNESS),
    loaded_at_field: loadedAtField,
    external: toJS(get(entry, 'external')) ?? shared.external ?? null,
    unrendered_config: { ...layered, ...config },
  };
}

/** A source's or table's yml entry says `freshness: null` (or `config: {freshness: null}`). */
function freshnessExplicitlyNull(entry: YNode | undefined): boolean {
  if (entry?.kind === 'map' && entry.entries.has('freshness') && toJS(get(entry, 'freshness')) === null) return true;
  const config = toJS(get(entry, 'config'));
  return isDict(config) && 'freshness' in config && config.freshness === null;
}

/** The state fields of a macro: its SQL (the whole block) and the project macros it calls. */
export function macroState(project: Project, macro: MacroDefinition): ManifestNode {
  const sql = macroSql(project, macro);
  const called = scan(sql).macroCalls.filter((c) => c.name !== macro.name);
  return { unique_id: `macro.${macro.packageName}.${macro.name}`, resource_type: 'macro', name: macro.name, package_name: macro.packageName, macro_sql: sql, depends_on: { macros: macroIds(project, macro.packageName, called) } };
}

/** A macro's `macro_sql`: its whole block, newlines as Python reads them. */
export function macroSql(project: Project, macro: MacroDefinition): string {
  const text = project.files.get(macro.file)?.text ?? '';
  return universal(text.slice(macro.block.span.start, fullBlockEnd(text, macro.block.span.end)));
}

/** Reads a project file's text (seeds are not kept in memory by the loader). */
export type FileReader = (file: string) => string | undefined;

/** A reader of project files through the core's FileHost (paths relative to the project root). */
export function hostReader(host: FileHost, root: string): FileReader {
  return (file) => {
    const r = host.read(joinPath(root, file));
    return r.kind === 'text' ? r.text : undefined;
  };
}

function textOf(project: Project): FileReader {
  return (file) => project.files.get(file)?.text;
}

/**
 * The whole project's state view (every enabled node, source, exposure and unit test, and every
 * macro). `read` gives files the loader does not keep (seeds); by default only kept texts are read.
 */
export function stateView(project: Project, read: FileReader = textOf(project)): StateView {
  const yml = new YmlIndex(project);
  const nodes = new Map<string, ManifestNode>();
  for (const node of project.nodes.values()) nodes.set(node.uniqueId, nodeState(project, node, read, yml));
  const macros = new Map<string, ManifestNode>();
  for (const list of project.macros.values()) for (const m of list) macros.set(`macro.${m.packageName}.${m.name}`, macroState(project, m));
  return { nodes, macros };
}
