/**
 * Docs blocks (`{% docs name %} ... {% enddocs %}` in .md files under the resource paths, dbt's
 * default docs-paths): what `{{ doc('name') }}` in a description stands for. And descriptions as
 * dbt renders them once everything is parsed (`process_docs`), with its docs context: `doc()` over
 * the root project's yml context (target, var, env_var, modules...; no macros, no ref/source/config).
 */
import { parse as parseJinja, render as renderJinja } from '../jinja';
import type { DbtContext } from '../compiler/context';
import { splitArgs } from '../compiler/python';
import { normalizePath, relativePath } from '../host';
import type { PackageContext } from './context';

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
  return RENDER_CHARS.test(description);
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
