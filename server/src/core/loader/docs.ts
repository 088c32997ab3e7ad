/**
 * Docs blocks (`{% docs name %} ... {% enddocs %}` in .md files under the resource paths, dbt's
 * default docs-paths): what `{{ doc('name') }}` in a description stands for. And descriptions as
 * dbt renders them once everything is parsed (`process_docs`), with its docs context: `doc()` over
 * the root project's yml context (target, var, env_var, modules...; no macros, no ref/source/config).
 * A description dbt fails the parse on is a `jinja-render` error on its yml value.
 */
import { parse as parseJinja, render as renderJinja } from '../jinja';
import type { DbtContext } from '../compiler/context';
import { splitArgs } from '../compiler/python';
import { joinPath, normalizePath, relativePath } from '../host';
import type { Span } from '../text';
import { get, items, type YNode } from '../yaml-tree';
import type { LoadState, PackageContext } from './context';
import { projectFilePath } from './project-config';
import { parsePropertiesYaml } from './properties';

const DOCS_BLOCK = /\{%-?\s*docs\s+([A-Za-z_][\w]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;

export function loadDocs(ctx: PackageContext): void {
  const c = ctx.config;
  const state = ctx.state;
  const seen = new Set<string>();
  for (const dir of new Set([...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.macroPaths, ...c.testPaths, ...c.analysisPaths])) {
    for (const listed of ctx.list(ctx.dirOf(dir))) {
      const abs = normalizePath(listed);
      if (!abs.endsWith('.md') || seen.has(abs)) continue;
      seen.add(abs);
      const rel = relativePath(state.root, abs);
      const text = state.readText(rel, abs);
      if (text === undefined) continue;
      for (const m of text.matchAll(DOCS_BLOCK)) {
        const name = m[1]!;
        const start = m.index! + m[0].indexOf(name);
        const list = state.docs.get(name) ?? [];
        list.push({ name, packageName: c.name, file: rel, nameSpan: { start, end: start + name.length }, text: m[2]!.trim() });
        state.docs.set(name, list);
      }
    }
  }
}

// ------------------------------------------------------------------ rendering descriptions

/** A doc block as `doc()` answers it: its unique id (`doc.<package>.<name>`) and its text. */
export interface FoundDoc {
  uniqueId: string;
  contents: string;
}

/** The doc block `doc(name)` (pkg undefined) or `doc(pkg, name)` names for one node, as dbt's resolve_doc finds it. */
export type FindDoc = (pkg: string | undefined, name: string) => FoundDoc | undefined;

/** A rendered description, the doc blocks it used, and why dbt fails on it (the text is then kept as written). */
export interface Described {
  text: string;
  docBlocks: string[];
  error?: string;
  /**
   * A statement other than text and `{{ }}` at the template's top level (`{% if %}`, `{% set %}`...):
   * dbt's search for doc() calls in a node's, column's or source table's description stops the
   * parse on it (`'If' object has no attribute 'nodes'`); a source's own, an exposure's or a macro's is fine.
   */
  topLevelBlock?: string;
}

/** dbt renders only text with Jinja's markers in it (get_rendered's shortcut). */
export function describable(description: string): boolean {
  // Every marker holds a brace: most descriptions have none, found without the regular expression.
  return (description.includes('{') || description.includes('}')) && RENDER_CHARS.test(description);
}

const RENDER_CHARS = /\{[{%#]|[#}%]\}/;

/** A description that is one doc() call with one or two plain string literals and nothing around it. */
const DOC_ONLY = /^\{\{\s*doc\(\s*(['"])([^'"\\]*)\1\s*(?:,\s*(['"])([^'"\\]*)\3\s*)?\)\s*\}\}$/;

/** `get_rendered(description, docs context)`: the text, the doc blocks it named, or the error dbt fails the parse with. */
export function renderDescription(description: string, find: FindDoc, globals: Record<string, unknown>): Described {
  // The usual description, exactly `{{ doc('name') }}` (or `doc('package', 'name')`): its block's text, without a template.
  const only = DOC_ONLY.exec(description);
  if (only) {
    const name = only[4] ?? only[2]!;
    const block = only[4] === undefined ? find(undefined, name) : find(only[2], name);
    return block ? { text: block.contents, docBlocks: [block.uniqueId] } : { text: description, docBlocks: [], error: missingDoc(name) };
  }
  const used: string[] = [];
  const doc = (...args: unknown[]): string => {
    const { positional } = splitArgs(args);
    if (positional.length < 1 || positional.length > 2) throw new Error(`doc() takes at most two arguments (${positional.length} given)`);
    const [a, b] = positional.map(String);
    const block = b === undefined ? find(undefined, a!) : find(a, b);
    if (!block) throw new Error(missingDoc(b ?? a!));
    if (!used.includes(block.uniqueId)) used.push(block.uniqueId);
    return block.contents;
  };
  const { template, diagnostics } = parseJinja(description);
  if (diagnostics.length > 0) return { text: description, docBlocks: [], error: diagnostics[0]!.message };
  const block = template.body.find((s) => s.kind !== 'Data' && s.kind !== 'Output');
  const topLevelBlock = block && `'${JINJA2_CLASS[block.kind] ?? block.kind}' object has no attribute 'nodes' (dbt reads no block tag at the top level of this description)`;
  const scope: Record<string, unknown> = Object.create(globals);
  scope.doc = doc;
  const out = renderJinja(template, scope);
  const described: Described = out.error ? { text: description, docBlocks: [], error: out.error.message } : { text: out.output, docBlocks: used };
  if (topLevelBlock) described.topLevelBlock = topLevelBlock;
  return described;
}

/** jinja2's node class of our statements, as dbt's error names it. */
const JINJA2_CLASS: Record<string, string> = { Set: 'Assign', SetBlock: 'AssignBlock', Do: 'ExprStmt' };

const missingDoc = (name: string): string => `depends on doc '${name}' which was not found`;

/**
 * The names of dbt's docs context (DocsRuntimeContext: BaseContext, TargetContext, project_name,
 * the yml context's var and env_var, doc): taken from the parse-time base, which has more
 * (adapter, ref, source, config, exceptions...) that a description cannot call in dbt.
 */
const DOCS_CONTEXT_NAMES = [
  'dbt_version', 'debug', 'return', 'fromjson', 'tojson', 'fromyaml', 'toyaml', 'set', 'set_strict', 'zip', 'zip_strict',
  'log', 'run_started_at', 'invocation_id', 'thread_id', 'modules', 'flags', 'print', 'diff_of_two_dicts', 'local_md5',
  'target', 'project_name',
];

/**
 * The globals descriptions render with besides doc(): dbt's docs context from the parse-time
 * base (var() of the root project outside a node: a missing one without default fails, as
 * dbt's does, where parse time answers None), none without a parse.
 */
export function docsGlobals(ctx: DbtContext | undefined): Record<string, unknown> {
  const globals: Record<string, unknown> = Object.create(null);
  if (!ctx) return globals;
  const base = ctx.base;
  for (const name of DOCS_CONTEXT_NAMES) {
    const descriptor = Object.getOwnPropertyDescriptor(base, name);
    if (descriptor) Object.defineProperty(globals, name, descriptor);
  }
  const parseVar = base.var;
  if (typeof parseVar === 'function') {
    globals.var = (...args: unknown[]): unknown => {
      const { positional } = splitArgs(args);
      if (positional.length < 2 && !ctx.lookupVar(String(positional[0])).found) throw new Error(`Required var '${String(positional[0])}' not found in config`);
      return (parseVar as (...a: unknown[]) => unknown)(...args);
    };
  }
  const envVar = base.env_var;
  if (typeof envVar === 'function') {
    globals.env_var = (...args: unknown[]): unknown => {
      const name = String(splitArgs(args).positional[0]);
      if (name.startsWith('DBT_ENV_SECRET_')) throw new Error(`Secret env vars are allowed only in profiles.yml or packages.yml. Found '${name}' referenced elsewhere.`);
      return (envVar as (...a: unknown[]) => unknown)(...args);
    };
  }
  const builtins: Record<string, unknown> = Object.create(null);
  // Descriptors, not values: run_started_at is read (from the clock) only where a template names it.
  for (const name of [...DOCS_CONTEXT_NAMES, 'var', 'env_var']) {
    const descriptor = Object.getOwnPropertyDescriptor(globals, name);
    if (descriptor) Object.defineProperty(builtins, name, descriptor);
  }
  globals.builtins = builtins;
  return globals;
}

/**
 * The doc block a node of `nodePackage` names, as dbt's `resolve_doc`: the named package only;
 * without one the root project first, then the node's package, then any package.
 */
export function docResolver<D>(lookup: (pkg: string | undefined, name: string) => D | undefined, rootName: string): (nodePackage: string) => (pkg: string | undefined, name: string) => D | undefined {
  return (nodePackage) => (pkg, name) => (pkg !== undefined ? lookup(pkg, name) : (lookup(rootName, name) ?? (nodePackage === rootName ? undefined : lookup(nodePackage, name)) ?? lookup(undefined, name)));
}

// ------------------------------------------------------------------ descriptions dbt fails on

/** A `macros:` entry's descriptions with Jinja, noted as the yml is read (the load keeps no macro patch otherwise). */
interface MacroDescription {
  file: string;
  packageName: string;
  macro: string;
  text: string;
  span: Span;
}

const macroDescriptions = new WeakMap<LoadState, MacroDescription[]>();

/** The descriptions with Jinja of a properties file's `macros:` entries and their arguments. */
export function noteMacroDescriptions(ctx: PackageContext, rel: string, macros: YNode | undefined): void {
  for (const entry of items(macros)) {
    const name = get(entry, 'name');
    if (name?.kind !== 'scalar' || typeof name.value !== 'string') continue;
    const texts = [get(entry, 'description'), ...items(get(entry, 'arguments')).map((a) => get(a, 'description'))];
    for (const node of texts) {
      if (node?.kind !== 'scalar' || typeof node.value !== 'string' || !describable(node.value)) continue;
      let list = macroDescriptions.get(ctx.state);
      if (!list) macroDescriptions.set(ctx.state, (list = []));
      list.push({ file: rel, packageName: ctx.config.name, macro: name.value, text: node.value, span: node.span });
    }
  }
}

/**
 * dbt's `process_docs` as a check: every description it renders (enabled nodes and their
 * columns, sources' own descriptions, exposures, patched macros and their arguments) that fails
 * to render is an error on its yml value, naming the cause. Descriptions of disabled nodes and of
 * entries that patch nothing are not rendered by dbt, so not here either.
 */
export function checkDescriptions(state: LoadState, rootName: string): void {
  let globals: Record<string, unknown> | undefined;
  const forPackage = docResolver((pkg, name): FoundDoc | undefined => {
    const block = state.docs.get(name)?.find((d) => pkg === undefined || d.packageName === pkg);
    return block && { uniqueId: `doc.${block.packageName}.${name}`, contents: block.text };
  }, rootName);
  const rendered = new Map<string, Described>();
  /** Why dbt fails on a description; `docBlocks`: one whose doc() calls dbt looks for first (a node's, column's, source table's). */
  const failure = (text: string, packageName: string, docBlocks = false): string | undefined => {
    const key = `${packageName}\0${text}`;
    let described = rendered.get(key);
    if (!described) rendered.set(key, (described = renderDescription(text, forPackage(packageName), (globals ??= docsGlobals(state.parser?.ctx)))));
    return (docBlocks ? described.topLevelBlock : undefined) ?? described.error;
  };
  // Failing descriptions by file, with what finds their yml value there (read again only for a failure).
  const failed = new Map<string, Array<{ text: string; error: string; at: (root: YNode) => Span | undefined }>>();
  const fail = (file: string, text: string, error: string, at: (root: YNode) => Span | undefined): void => {
    const list = failed.get(file) ?? [];
    list.push({ text, error, at });
    failed.set(file, list);
  };
  // Only a node described in a yml file with Jinja in it can have a description with Jinja: a big
  // project's tens of thousands of descriptions are mostly in files without any (a test of each
  // description was ~1% of a cold load of spellbook_dex, most of it flattening folded strings).
  const withJinja = new Set<string>();
  for (const [path, file] of state.files) if (file.kind === 'yaml' && file.text !== undefined && RENDER_CHARS.test(file.text)) withJinja.add(path);
  for (const node of withJinja.size === 0 ? [] : state.nodes.values()) {
    const file = node.yml ? node.yml.file : node.resourceType === 'test' ? node.file : undefined;
    if (file === undefined || !withJinja.has(file) || node.resourceType === 'unit_test') continue;
    const description = node.description;
    if (description !== undefined && describable(description)) {
      const error = failure(description, node.packageName, node.resourceType !== 'exposure');
      const nameSpan = node.yml?.span;
      const testSpan = node.resourceType === 'test' ? node.nameSpan : undefined;
      if (error !== undefined) {
        fail(file, description, error, (root) => (nameSpan ? descriptionOf(entryNamed(root, nameSpan)) : testSpan ? descriptionValued(nodeAt(root, testSpan) ?? root, description) : undefined));
      }
    }
    const sourceDescription = node.source?.sourceDescription;
    if (sourceDescription !== undefined && node.yml && describable(sourceDescription)) {
      const error = failure(sourceDescription, node.packageName);
      const nameSpan = node.yml.span;
      if (error !== undefined) fail(file, sourceDescription, error, (root) => descriptionOf(sourceOf(root, nameSpan)));
    }
    const columns = node.columns;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const text = column.description;
      if (text === undefined || !describable(text)) continue;
      const error = failure(text, node.packageName, true);
      if (error !== undefined) fail(column.file, text, error, (root) => descriptionOf(entryNamed(root, column.span)));
    }
  }
  for (const m of macroDescriptions.get(state) ?? []) {
    if (!state.macros.get(m.macro)?.some((d) => d.packageName === m.packageName)) continue;
    const error = failure(m.text, m.packageName);
    if (error !== undefined) fail(m.file, m.text, error, () => m.span);
  }
  if (failed.size === 0) return;
  const docsPaths = usesDocsPaths(state);
  for (const [file, list] of failed) {
    const text = state.files.get(file)?.text;
    const root = state.manifestInputs?.propertiesTrees.get(file) ?? (text === undefined ? undefined : parsePropertiesYaml(text).root);
    const reported = new Set<string>();
    for (const f of list) {
      // A project with docs-paths keeps doc blocks where this load does not look: no missing-doc error there.
      if (docsPaths && f.error.startsWith('depends on doc ')) continue;
      const span = root ? f.at(root) : undefined;
      const key = span ? `${span.start}:${span.end}` : f.text;
      if (reported.has(key)) continue;
      reported.add(key);
      state.report({ code: 'jinja-render', file, ...(span ? { span } : {}), message: `Cannot render '${f.text}': ${f.error}` });
    }
  }
}

/** Any project file of the load that sets `docs-paths` (read again only when a doc is missing). */
function usesDocsPaths(state: LoadState): boolean {
  return ['', ...[...state.packages.values()].map((p) => p.base ?? '')].some((base) => {
    const read = state.host.read(joinPath(state.root, projectFilePath(base)));
    return read.kind === 'text' && /^docs-paths\s*:/m.test(read.text);
  });
}

/** The innermost mapping whose `name:` value is written at `nameSpan`, and its enclosing mappings (innermost first). */
function mapsAround(root: YNode, nameSpan: Span): YNode[] {
  const path: YNode[] = [];
  const walk = (node: YNode): boolean => {
    if (node.span.start > nameSpan.start || node.span.end < nameSpan.end) return false;
    if (node.kind === 'map') {
      const name = get(node, 'name');
      if (name && name.span.start === nameSpan.start && name.span.end === nameSpan.end) {
        path.push(node);
        return true;
      }
      for (const { value } of node.entries.values()) {
        if (walk(value)) {
          path.push(node);
          return true;
        }
      }
    } else if (node.kind === 'seq') {
      for (const item of node.items) if (walk(item)) return true;
    }
    return false;
  };
  walk(root);
  return path;
}

const entryNamed = (root: YNode, nameSpan: Span): YNode | undefined => mapsAround(root, nameSpan)[0];

/** A source table's source: the first mapping around the table's that has a `tables:` list. */
const sourceOf = (root: YNode, tableNameSpan: Span): YNode | undefined => mapsAround(root, tableNameSpan).slice(1).find((m) => get(m, 'tables') !== undefined);

function descriptionOf(entry: YNode | undefined): Span | undefined {
  const value = get(entry, 'description');
  return value?.kind === 'scalar' ? value.span : undefined;
}

/** The node written exactly at `span` (a generic test's entry). */
function nodeAt(root: YNode, span: Span): YNode | undefined {
  if (root.span.start === span.start && root.span.end === span.end) return root;
  if (root.span.start > span.start || root.span.end < span.end) return undefined;
  const children = root.kind === 'map' ? [...root.entries.values()].map((e) => e.value) : root.kind === 'seq' ? root.items : [];
  for (const child of children) {
    const found = nodeAt(child, span);
    if (found) return found;
  }
  return undefined;
}

/** The first `description:` value written as `text` in a subtree (a generic test's own). */
function descriptionValued(root: YNode, text: string): Span | undefined {
  if (root.kind === 'seq') {
    for (const item of root.items) {
      const found = descriptionValued(item, text);
      if (found) return found;
    }
  } else if (root.kind === 'map') {
    for (const [key, { value }] of root.entries) {
      if (key === 'description' && value.kind === 'scalar' && value.value === text) return value.span;
      const found = descriptionValued(value, text);
      if (found) return found;
    }
  }
  return undefined;
}
