/**
 * dbt's Jinja context, one implementation for the two times dbt renders a node: at parse time
 * (the loader renders every node with `execute` false to learn its refs, sources, config and the
 * macros it calls) and at compile time (the Compiler). Both share the builtins (`var`, `env_var`,
 * `target`, `adapter`, `exceptions`, `modules`, ...) and the macro namespaces; they differ where
 * dbt's ParseProvider and RuntimeProvider differ (`ref`, `source`, `config`, `this`, `execute`,
 * `run_query`, `graph`, ...), which a Provider supplies.
 *
 * Macro namespaces follow dbt's MacroNamespaceBuilder: a node of package P looks names up in P's
 * macros, then the root project's, then package namespaces by name (`dbt_utils.star`), then `dbt`
 * (the internal macros), then the internal macros by bare name, then the builtins. Macros are
 * defined once; a name used inside a macro resolves in the namespace of the node being rendered,
 * as in dbt (a package macro calling `inner()` from a root model finds the root's `inner`).
 */
import { fixedClock, type Clock } from '../clock';
import type { Diagnostic } from '../diagnostics';
import { CURRENT_GLOBALS, isUndefined, Kwargs, MacroReturn, parse, PreparedRenderOptions, render, returnFunction, type RenderOptions, type RenderResult, type Template } from '../jinja';
import type { Project, ProjectNode } from '../model';
import { publicTarget, type Target } from '../profiles';
import type { Span } from '../text';
import { DBT_MACRO_NAMES, PARSE_TIME_RESULTS } from './dbt-macro-names';
import type { Dialect } from './dialect';
import { pythonJson, pythonModules } from './modules';
import { bindArgs, isNone, PyDateTime, splitArgs } from './python';
import { columnApi, dbtBuiltins } from './builtins';
import { markTuple } from '../jinja/runtime';
import { Relation } from './relation';
import { nativeValue } from './native';

/** Parsed templates by file and text: editing one file never reparses another. */
export class TemplateCache {
  private readonly entries = new Map<string, { text: string; template: Template; diagnostics: Array<{ message: string; span: Span }> }>();
  private readonly files = new WeakMap<Template, string>();

  get(file: string, text: string): { template: Template; diagnostics: Array<{ message: string; span: Span }> } {
    const hit = this.entries.get(file);
    if (hit && hit.text === text) return hit;
    const parsed = parse(text);
    const entry = { text, template: parsed.template, diagnostics: parsed.diagnostics };
    this.entries.set(file, entry);
    this.files.set(parsed.template, file);
    return entry;
  }

  /** The key (file path) a template was parsed for. */
  fileOf(template: Template): string | undefined {
    return this.files.get(template);
  }
}

export interface ContextOptions {
  project: Project;
  target: Target;
  dialect: Dialect;
  env: Record<string, string | undefined>;
  /** `--vars`, overriding the project's vars. */
  vars?: Record<string, unknown>;
  /** `run_started_at`, `modules.datetime`'s now and `random` (default: a fixed clock at 1970-01-01). */
  clock?: Clock;
  invocationId?: string;
  templates: TemplateCache;
  /** Runs a query for `statement`/`run_query` at compile time; absent when not connected. */
  runQuery?: (sql: string) => unknown;
  /** dbt's `--store-failures` flag (`flags.STORE_FAILURES`, should_store_failures). */
  storeFailures?: boolean;
}

/** A node being rendered. */
export interface ContextFrame {
  node: ProjectNode;
  /** dbt's depends_on.macros: unique ids of the macros the node's own Jinja called (recorded when present). */
  macros?: Set<string>;
  /** Every macro the render reached, however deep (recorded when present): what a macro edit must re-render. */
  uses?: Set<string>;
}

/** What differs between parse time and compile time (dbt's ParseProvider / RuntimeProvider). */
export interface Provider<F extends ContextFrame> {
  readonly execute: boolean;
  /** `ref`, `source`, `config`, `this`, `model`, `run_query`, `graph`, ...: values, or getters read per use. */
  members(ctx: DbtContext<F>): object;
}

type Fn = (...args: unknown[]) => unknown;

/** Adapters whose macros fall back to a parent adapter's before `default__` (dbt's get_adapter_type_names). */
const ADAPTER_PARENTS: Record<string, string[]> = {
  databricks: ['spark'],
  redshift: ['postgres'],
  synapse: ['fabric'],
  materialize: ['postgres'],
};

export function adapterTypeNames(type: string): string[] {
  return [type, ...(ADAPTER_PARENTS[type] ?? [])];
}

export class DbtContext<F extends ContextFrame = ContextFrame> {
  readonly frames: F[] = [];
  readonly execute: boolean;
  /** Problems in macro files (syntax errors), found while defining the macros. */
  readonly problems: Diagnostic[] = [];
  /** The macro files rendered so far: a file of only macro blocks waits for the first call of one of its macros (`macrosOfFile`). */
  readonly renderedMacroFiles = new Set<string>();
  /** Each package's macros by name (the root project's included), as callables. */
  readonly macrosByPackage = new Map<string, Record<string, Fn>>();
  /** dbt's internal macros (`dbt.*`): cross-database macros, naming, and at parse time the rest of dbt's names. */
  readonly internals: Record<string, unknown> = Object.create(null);
  readonly base: Record<string, unknown> = Object.create(null);
  private readonly contexts = new Map<string, Record<string, unknown>>();
  private rootContext!: Record<string, unknown>;
  private packagesLayer!: Record<string, unknown>;
  private readonly rootName: string;
  /** Macro calls nested under the current frame's own Jinja (0: called by the node itself). */
  private depth = 0;
  /** The package whose vars and macros apply when no node is being rendered (yml values of that package). */
  private ambientPackage: string | undefined;
  private readonly stored = new Map<string, unknown>();
  /** What macros see as globals: the context of the node being rendered, whichever file defined them. */
  private readonly dynamicGlobals: object;
  private readonly clock: Clock;
  /** Every render of this context draws `random` from its clock. */
  private readonly renderOptions: PreparedRenderOptions;

  constructor(
    readonly options: ContextOptions,
    provider: Provider<F>,
  ) {
    this.execute = provider.execute;
    this.clock = options.clock ?? fixedClock();
    this.renderOptions = new PreparedRenderOptions({ random: () => this.clock.random() });
    this.rootName = options.project.config.name;
    const current = (): Record<string, unknown> => this.current();
    this.dynamicGlobals = new Proxy(Object.create(null) as object, {
      has: (_t, key) => key === CURRENT_GLOBALS || (typeof key === 'string' && key in current()),
      // The engine reads CURRENT_GLOBALS once per template and then looks names up in current() directly.
      get: (_t, key) => (key === CURRENT_GLOBALS ? current : typeof key === 'string' ? current()[key] : undefined),
    });
    this.buildBase(provider);
    this.buildInternals();
    this.defineMacros();
    this.buildNamespaces();
  }

  /** The node being rendered (innermost). */
  get frame(): F {
    const f = this.frames[this.frames.length - 1];
    if (!f) throw new Error('no node is being rendered');
    return f;
  }

  get top(): F | undefined {
    return this.frames[this.frames.length - 1];
  }

  /** The context a node of `packageName` renders in (dbt's search order for its macros). */
  contextFor(packageName: string): Record<string, unknown> {
    return this.contexts.get(packageName) ?? this.rootContext;
  }

  private current(): Record<string, unknown> {
    const f = this.frames[this.frames.length - 1];
    if (f) return this.contextFor(f.node.packageName);
    // While macro files are first rendered (top-level code), namespaces are not built yet.
    return this.ambientPackage !== undefined ? this.contextFor(this.ambientPackage) : (this.rootContext ?? this.base);
  }

  /** Runs `body` as the node of `frame`: macro calls made directly by it are its own (depends_on.macros). */
  within<T>(frame: F, body: () => T): T {
    const savedDepth = this.depth;
    this.depth = 0;
    this.frames.push(frame);
    try {
      return body();
    } finally {
      this.frames.pop();
      this.depth = savedDepth;
    }
  }

  /** Renders `template` as `frame`'s node, in the context of its package. */
  render(template: Template, frame: F, options?: RenderOptions): RenderResult {
    return this.within(frame, () => render(template, this.contextFor(frame.node.packageName), options ? this.withClock(options) : this.renderOptions));
  }

  /** `options` with this context's `random`, prepared once for the options object last given (parse time gives one). */
  private withClock(options: RenderOptions): PreparedRenderOptions {
    if (this.lastOptions?.options !== options) this.lastOptions = { options, prepared: new PreparedRenderOptions({ ...this.renderOptions.options, ...options }) };
    return this.lastOptions.prepared;
  }
  private lastOptions: { options: RenderOptions; prepared: PreparedRenderOptions } | undefined;

  /** Renders a string in the current node's context (var values, `render()`, yml values): its text, or an error. */
  renderString(key: string, text: string): string {
    const { template, diagnostics } = this.options.templates.get(key, text);
    if (diagnostics.length > 0) throw new Error(`'${text}': ${diagnostics[0]!.message}`);
    const out = render(template, this.current(), this.renderOptions);
    if (out.error) throw new Error(`'${text}': ${out.error.message}`);
    return out.output;
  }

  /** Evaluates one expression in the current node's context and returns its value (native rendering). */
  evaluate(key: string, expression: string): unknown {
    const { template, diagnostics } = this.options.templates.get(key, `{% set __value = ${expression} %}`);
    if (diagnostics.length > 0) throw new Error(`'${expression}': ${diagnostics[0]!.message}`);
    const out = render(template, this.current(), this.renderOptions);
    if (out.error) throw new Error(`'${expression}': ${out.error.message}`);
    return out.exports.__value;
  }

  /** Renders a yml value of `packageName` (its vars apply) and reads the result natively, as dbt's yml renderer does. */
  renderValue(packageName: string, text: string, native: (output: string) => unknown): unknown {
    const saved = this.ambientPackage;
    this.ambientPackage = packageName;
    try {
      return native(this.renderString(`<yml ${text}>`, text));
    } finally {
      this.ambientPackage = saved;
    }
  }

  /** Renders a yml value of `packageName` natively as dbt's yml renderer does (`nativeValue`: text stays text, `{{ x }}` keeps x's type). */
  renderNativeValue(packageName: string, text: string): unknown {
    const saved = this.ambientPackage;
    this.ambientPackage = packageName;
    try {
      const { template, diagnostics } = this.options.templates.get(`<yml ${text}>`, text);
      if (diagnostics.length > 0) throw new Error(`'${text}': ${diagnostics[0]!.message}`);
      return nativeValue(
        template,
        (source) => this.renderString(`<yml ${source}>`, source),
        (source) => {
          const parsed = this.options.templates.get(`<yml ${source}>`, source);
          if (parsed.diagnostics.length > 0) throw new Error(`'${text}': ${parsed.diagnostics[0]!.message}`);
          const out = render(parsed.template, this.current(), this.renderOptions);
          if (out.error) throw new Error(`'${text}': ${out.error.message}`);
          return out.exports.__native_value;
        },
      );
    } finally {
      this.ambientPackage = saved;
    }
  }

  /** Calls a macro or builtin outside any template, `return()` included. */
  call(fn: Fn, args: unknown[]): unknown {
    try {
      return fn(...args);
    } catch (err) {
      if (err instanceof MacroReturn) return err.value;
      throw err;
    }
  }

  /** `name` as a node of `packageName` sees it (a project override, else dbt's). */
  lookup(packageName: string, name: string): unknown {
    return this.contextFor(packageName)[name];
  }

  /** A package's own macro (no fallback), e.g. the package's `generate_schema_name`. */
  packageMacro(packageName: string, name: string): Fn | undefined {
    return this.macrosByPackage.get(packageName)?.[name];
  }

  // ------------------------------------------------------------------ dispatch

  private dispatchPrefixes: string[] | undefined;
  /** What dispatch found in named packages, by namespace and name (macros redefined in place clear it). */
  private readonly dispatched = new Map<string, Fn>();

  /** adapter.dispatch: for each package to search, `<adapter>__name` (and its parents), then `default__name`. */
  dispatch(name: string, namespace: string | undefined): Fn {
    if (name.includes('.')) {
      const [ns, bare] = name.split('.', 2);
      throw new Error(`In adapter.dispatch, got a macro name of "${name}", but "." is not a valid macro name component. Did you mean \`adapter.dispatch("${bare}", macro_namespace="${ns}")\`?`);
    }
    const key = `${namespace}.${name}`;
    const known = this.dispatched.get(key);
    if (known) return known;
    const prefixes = (this.dispatchPrefixes ??= [...adapterTypeNames(this.options.target.type), 'default']);
    const packages = this.searchPackages(namespace);
    for (const pkg of packages) {
      for (const prefix of prefixes) {
        const candidate = `${prefix}__${name}`;
        const found = pkg === undefined ? this.current()[candidate] : pkg === 'dbt' ? this.internals[candidate] : this.packageMacro(pkg, candidate);
        if (typeof found !== 'function') continue;
        // Without a namespace the answer depends on the node being rendered: not kept.
        if (!packages.includes(undefined)) this.dispatched.set(key, found as Fn);
        return found as Fn;
      }
    }
    // Named only when nothing was found (naming calls dispatch once per node and name).
    const attempts = packages.flatMap((pkg) => prefixes.map((prefix) => (pkg === undefined ? `${prefix}__${name}` : `${pkg}.${prefix}__${name}`)));
    throw new Error(`In dispatch: No macro named '${name}' found within namespace: '${namespace ?? 'None'}'\n    Searched for: ${attempts.map((a) => `'${a}'`).join(', ')}`);
  }

  /** dbt's search packages for a dispatch namespace: the project's `dispatch:` config, else [root, namespace] for an installed package. */
  private searchPackages(namespace: string | undefined): Array<string | undefined> {
    if (namespace === undefined) return [undefined];
    const configured = this.options.project.config.dispatch?.find((d) => d.macroNamespace === namespace);
    if (configured) return configured.searchOrder;
    // dbt's own namespace: the root project's overrides, then dbt's (a package's own do not count).
    if (namespace === 'dbt') return [this.rootName, 'dbt'];
    if (this.options.project.packages.has(namespace)) return [this.rootName, namespace];
    return [undefined];
  }

  // ------------------------------------------------------------------ macros

  private defineMacros(): void {
    const project = this.options.project;
    const fileToPackage = new Map<string, string>();
    for (const defs of project.macros.values()) for (const d of defs) if (!fileToPackage.has(d.file)) fileToPackage.set(d.file, d.packageName);
    for (const [file, pkg] of fileToPackage) {
      let macros = this.macrosByPackage.get(pkg);
      if (!macros) {
        macros = Object.create(null) as Record<string, Fn>;
        this.macrosByPackage.set(pkg, macros);
      }
      // The first definition wins; a second one in the same package is reported by the loader.
      for (const [name, fn] of this.macrosOfFile(file, pkg)) if (!(name in macros)) macros[name] = fn;
    }
  }

  /**
   * The macros a file defines, as callables (its syntax problems go to `problems`). The file is
   * parsed now (its syntax problems are reported now, and the manifest reads the same template);
   * a file of only macro blocks and text is rendered on the first call of one of its macros
   * (`lazy`): such a render defines its macros and nothing else, whenever it runs. A file with
   * other top-level code (`{% set %}`, `{{ }}`, `{% if %}`, a recovered syntax error) is
   * rendered now, as it always was.
   */
  private macrosOfFile(file: string, pkg: string, problems: Diagnostic[] = this.problems, text = this.options.project.files.get(file)?.text, lazy = true): Array<[string, Fn]> {
    if (text === undefined) return [];
    const { template, diagnostics } = this.options.templates.get(file, text);
    for (const d of diagnostics) problems.push({ code: 'jinja-syntax', severity: 'error', file, span: d.span, message: d.message });
    const macros: Array<[string, Fn]> = [];
    const names = lazy ? onlyMacroNames(template) : undefined;
    if (names) {
      let exports: Record<string, unknown> | undefined;
      const defined = (): Record<string, unknown> => {
        if (exports === undefined) {
          exports = render(template, this.dynamicGlobals, this.renderOptions).exports;
          this.renderedMacroFiles.add(file);
        }
        return exports;
      };
      for (const name of names) {
        const fn = function (this: unknown, ...args: unknown[]): unknown {
          return (defined()[name] as Fn).apply(this, args);
        };
        Object.defineProperty(fn, 'name', { value: name });
        macros.push([name, this.track(fn, `macro.${pkg}.${name}`)]);
      }
      return macros;
    }
    const out = render(template, this.dynamicGlobals, this.renderOptions);
    this.renderedMacroFiles.add(file);
    for (const [name, value] of Object.entries(out.exports)) if (typeof value === 'function') macros.push([name, this.track(value as Fn, `macro.${pkg}.${name}`)]);
    return macros;
  }

  /**
   * A macro file's new text: its macros are defined again in place, in every namespace that holds
   * them. Only for an edit that keeps the same macro names (others change namespaces: reload).
   * The text is given: the edit may be in a newer version of the project than the one this
   * context was made for. Returns the file's syntax problems.
   */
  redefineFile(file: string, pkg: string, text: string): Diagnostic[] {
    this.dispatched.clear();
    const problems: Diagnostic[] = [];
    const macros = this.macrosByPackage.get(pkg);
    if (!macros) return problems;
    const own = this.contexts.get(pkg);
    const namespace = this.packagesLayer[pkg] as Record<string, unknown> | undefined;
    for (const [name, fn] of this.macrosOfFile(file, pkg, problems, text, false)) {
      macros[name] = fn;
      if (own) own[name] = fn;
      if (namespace) namespace[name] = fn;
    }
    return problems;
  }

  /** A macro that records itself on the node that calls it directly (dbt's depends_on.macros). */
  private track(fn: Fn, id: string): Fn {
    const ctx = this;
    const tracked = function (this: unknown, ...args: unknown[]): unknown {
      const frame = ctx.frames[ctx.frames.length - 1];
      if (ctx.depth === 0 && frame?.macros) frame.macros.add(id);
      frame?.uses?.add(id);
      ctx.depth++;
      try {
        return fn.apply(this, args);
      } finally {
        ctx.depth--;
      }
    };
    Object.defineProperty(tracked, 'name', { value: fn.name });
    return tracked;
  }

  private buildNamespaces(): void {
    // Package namespaces (`dbt_utils.star`, `my_project.m`), then `dbt`, then internal macros by name.
    const internalsLayer = Object.create(this.base) as Record<string, unknown>;
    Object.assign(internalsLayer, this.internals);
    const packagesLayer = Object.create(internalsLayer) as Record<string, unknown>;
    this.packagesLayer = packagesLayer;
    packagesLayer.dbt = { ...this.internals };
    for (const [pkg, macros] of this.macrosByPackage) packagesLayer[pkg] = { ...macros };
    this.rootContext = Object.create(packagesLayer) as Record<string, unknown>;
    Object.assign(this.rootContext, this.macrosByPackage.get(this.rootName) ?? {});
    this.contexts.set(this.rootName, this.rootContext);
    for (const [pkg, macros] of this.macrosByPackage) {
      if (pkg === this.rootName) continue;
      const ctx = Object.create(this.rootContext) as Record<string, unknown>;
      Object.assign(ctx, macros);
      this.contexts.set(pkg, ctx);
    }
    // Plain objects, not proxies: the engine may read a name directly instead of asking `in` first.
    for (const ctx of this.contexts.values()) Object.defineProperty(ctx, CURRENT_GLOBALS, { value: () => ctx });
  }

  private buildInternals(): void {
    const { dialect, target } = this.options;
    const add = (name: string, fn: unknown): void => {
      this.internals[name] = fn;
      if (!(`default__${name}` in this.internals)) this.internals[`default__${name}`] = fn;
    };
    for (const [name, fn] of Object.entries(dialect.macros)) add(name, fn);
    // dbt's generate_*_name dispatch (namespace 'dbt'): a project's `default__generate_schema_name` overrides dbt's.
    for (const [name, fn] of Object.entries(defaultNamingMacros(target))) {
      this.internals[`default__${name}`] = fn;
      this.internals[name] = (...args: unknown[]) => this.call(this.dispatch(name, 'dbt'), args);
    }
    if (!this.execute) {
      // At parse time dbt's other internal macros render SQL nobody reads; their shape is what counts.
      for (const name of DBT_MACRO_NAMES) if (!(name in this.internals) && !(name in this.base)) add(name, PARSE_TIME_RESULTS[name] ?? (() => ''));
    }
  }

  // ------------------------------------------------------------------ builtins

  private buildBase(provider: Provider<F>): void {
    const { target, dialect } = this.options;
    const project = this.options.project;
    const g = this.base;
    const members = provider.members(this);
    const clock = this.clock;

    const varFn = (...args: unknown[]): unknown => {
      const { positional } = splitArgs(args);
      const name = String(positional[0]);
      const found = this.lookupVar(name);
      if (found.found) return this.renderVarValue(found.value);
      if (positional.length > 1) return positional[1];
      // At parse time dbt answers None for a missing var; compiling fails on it.
      if (!this.execute) return null;
      throw new Error(`Required var '${name}' not found in config: set it in dbt_project.yml 'vars:' or pass --vars '{${name}: ...}'`);
    };
    const varHas = (name: unknown): boolean => this.lookupVar(String(name)).found;
    const envVar = (...args: unknown[]): unknown => {
      const { positional } = splitArgs(args);
      const name = String(positional[0]);
      const value = this.options.env[name];
      if (value !== undefined) return value;
      if (positional.length > 1 && !isNone(positional[1])) return positional[1];
      throw new Error(`Env var required but not provided: '${name}'`);
    };
    const adapter = {
      type: () => target.type,
      quote: (identifier: unknown) => dialect.quoteIdentifier(String(identifier)),
      dispatch: (...args: unknown[]): unknown => {
        const { macro_name, macro_namespace } = bindArgs('adapter.dispatch', [{ name: 'macro_name' }, { name: 'macro_namespace', default: null }, { name: 'packages', default: null }], args);
        return this.dispatch(String(macro_name), isNone(macro_namespace) ? undefined : String(macro_namespace));
      },
      // Not connected (parse time, plain compile): dbt's parse-time answers.
      get_relation: (...args: unknown[]): unknown => {
        bindArgs('adapter.get_relation', [{ name: 'database' }, { name: 'schema' }, { name: 'identifier' }], args);
        return null;
      },
      get_columns_in_relation: () => [],
      get_missing_columns: () => [],
      get_column_schema_from_query: () => [],
      check_schema_exists: () => false,
      quote_as_configured: (identifier: unknown) => String(identifier),
      quote_seed_column: (column: unknown) => String(column),
      get_incremental_strategy_macro: () => null,
      Relation: { create: (...args: unknown[]) => this.createRelation(args) },
      config: { quoting: project.config.quoting },
    };
    const exceptions = {
      raise_compiler_error: (message: unknown) => {
        throw new Error(`Compilation Error: ${String(message)}`);
      },
      raise_not_implemented: (message: unknown) => {
        throw new Error(`Not implemented: ${String(message)}`);
      },
      raise_database_error: (message: unknown) => {
        throw new Error(`Database Error: ${String(message)}`);
      },
      raise_dependency_error: (message: unknown) => {
        throw new Error(`Dependency Error: ${String(message)}`);
      },
      warn: () => '',
      warn_snapshot_timestamp_data_types: () => '',
    };
    const statement = (...args: unknown[]): unknown => {
      const { kwargs, positional } = splitArgs(args);
      const name = positional[0] ?? kwargs.name ?? null;
      const caller = kwargs.caller as Fn | undefined;
      // dbt's statement macro does nothing unless executing.
      if (!this.execute || !this.options.runQuery || typeof caller !== 'function') return '';
      const sql = String(this.call(caller, []));
      const result = this.options.runQuery(sql);
      if (!isNone(name)) this.stored.set(String(name), { response: null, data: result, table: result });
      return '';
    };
    const loadRelation = (relation: unknown): unknown => {
      const r = (relation ?? {}) as { database?: unknown; schema?: unknown; identifier?: unknown };
      return adapter.get_relation(r.database ?? null, r.schema ?? null, r.identifier ?? null);
    };
    const loadResult = (name: unknown): unknown => (this.stored.has(String(name)) ? this.stored.get(String(name)) : null);
    const builtins = dbtBuiltins({
      adapterType: target.type,
      target,
      // should_store_failures(): the rendered node's config (parse time put its config() calls there).
      configValue: (name) => this.top?.node.config[name],
      ...(this.options.runQuery ? { runQuery: this.options.runQuery } : {}),
      ...(this.options.storeFailures ? { storeFailures: true } : {}),
    });

    Object.assign(g, {
      var: Object.assign(varFn, { has_var: varHas }),
      env_var: envVar,
      target: publicTarget(target),
      invocation_id: this.options.invocationId ?? '00000000-0000-0000-0000-000000000000',
      adapter,
      exceptions,
      execute: this.execute,
      flags: { FULL_REFRESH: false, WHICH: this.execute ? 'compile' : 'parse', STORE_FAILURES: Boolean(this.options.storeFailures) },
      project_name: project.config.name,
      dbt_version: '1.12.6',
      store_result: () => '',
      // dbt's load_relation / load_cached_relation: the relation as the warehouse has it, through adapter.get_relation.
      load_relation: (relation: unknown) => loadRelation(relation),
      load_cached_relation: (relation: unknown) => loadRelation(relation),
      // Hook context; the runner fills these for real runs.
      schemas: [],
      database_schemas: [],
      results: [],
      selected_resources: [],
      invocation_args_dict: {},
      return: returnFunction((value: unknown) => {
        throw new MacroReturn(value);
      }),
      log: () => '',
      print: () => '',
      tojson: (v: unknown) => pythonJson(v),
      modules: pythonModules(() => clock.now()),
      // Hook helpers: `config(pre_hook=before_begin("..."))`.
      before_begin: (sql: unknown) => ({ sql: String(sql), transaction: false }),
      after_commit: (sql: unknown) => ({ sql: String(sql), transaction: false }),
      in_transaction: (sql: unknown) => ({ sql: String(sql), transaction: true }),
      fromjson: (s: unknown, fallback: unknown = null) => {
        try {
          return JSON.parse(String(s));
        } catch {
          return fallback;
        }
      },
      zip: (...lists: unknown[]) => {
        const arrays = lists.filter(Array.isArray) as unknown[][];
        const len = Math.min(...arrays.map((a) => a.length));
        return Array.from({ length: Number.isFinite(len) ? len : 0 }, (_, i) => markTuple(arrays.map((a) => a[i])));
      },
      set: (items: unknown) => [...new Set(Array.isArray(items) ? items : [])],
      ...builtins,
      // At parse time dbt's statement does nothing; compiling runs it where a connection is given.
      statement: this.execute ? builtins.statement : statement,
      load_result: this.execute ? builtins.load_result : loadResult,
      render: (text: unknown) => this.renderString(`<render ${String(text)}>`, String(text)),
      try_or_compiler_error: (...args: unknown[]) => {
        const { positional } = splitArgs(args);
        const [message, fn, ...rest] = positional;
        try {
          return (fn as Fn)(...rest);
        } catch {
          throw new Error(`Compilation Error: ${String(message)}`);
        }
      },
      api: { Relation: adapter.Relation, Column: columnApi(target.type) },
    });
    // Read when a template names it: a render that never does is not a function of the clock.
    let runStartedAt: PyDateTime | undefined;
    Object.defineProperty(g, 'run_started_at', { enumerable: true, get: () => (runStartedAt ??= new PyDateTime(clock.started())) });
    Object.defineProperties(g, Object.getOwnPropertyDescriptors(members));
    const own = members as Record<string, unknown>;
    // `builtins.ref.config` is dbt's RuntimeConfig; packages read their own version from it.
    if (typeof own.ref === 'function') Object.assign(own.ref, { config: runtimeConfigView(project) });
    g.builtins = { ref: own.ref, source: own.source, config: own.config };
  }

  /**
   * dbt's var scoping (the last project wins): --vars, then the root project's vars (scoped to the
   * node's package, then global), then the node's own package's vars (scoped, then global).
   */
  lookupVar(name: string): { found: boolean; value?: unknown } {
    const cli = this.options.vars ?? {};
    if (name in cli) return { found: true, value: cli[name] };
    const project = this.options.project;
    const pkg = this.top?.node.packageName ?? this.ambientPackage ?? project.config.name;
    const layers = [project.config.vars];
    if (pkg !== project.config.name) {
      const own = project.packages.get(pkg)?.vars;
      if (own) layers.push(own);
    }
    for (const vars of layers) {
      const scoped = vars[pkg];
      if (isDict(scoped) && name in scoped) return { found: true, value: scoped[name] };
      if (name in vars && !(project.packages.has(name) && isDict(vars[name]))) return { found: true, value: vars[name] };
    }
    return { found: false };
  }

  /** Var values are rendered in the calling node's context, as dbt does (`"{{ my_macro() }}"`). */
  private renderVarValue(value: unknown): unknown {
    if (typeof value !== 'string' || (!value.includes('{{') && !value.includes('{%'))) return value;
    return this.renderString(`<var ${value}>`, value);
  }

  private createRelation(args: unknown[]): Relation {
    const { database, schema, identifier, type } = bindArgs(
      'api.Relation.create',
      [{ name: 'database', default: null }, { name: 'schema', default: null }, { name: 'identifier', default: null }, { name: 'type', default: null }, { name: 'quote_policy', default: null }],
      args,
    );
    return new Relation(this.options.dialect, isNone(database) ? undefined : String(database), isNone(schema) ? undefined : String(schema), String(identifier ?? ''), (type as never) ?? null);
  }
}

/**
 * The names a template's render would export as functions, in the order it would first bind them,
 * when its top level is only macro blocks and text (a render then has no other effect); else undefined.
 */
function onlyMacroNames(template: Template): string[] | undefined {
  const defined = new Set<string>();
  for (const st of template.body) {
    if (st.kind === 'Data') continue;
    if (st.kind !== 'Macro') return undefined;
    defined.add(st.name);
  }
  // The render's scope binds the names its parser marked as assigned first (`missingAtStart`), then the others as defined.
  const names = new Set<string>();
  for (const name of template.missingAtStart ?? []) if (defined.has(name)) names.add(name);
  for (const name of defined) names.add(name);
  return [...names];
}

/** What macros read from dbt's RuntimeConfig: project name and version, and each package's. */
function runtimeConfigView(project: Project): Record<string, unknown> {
  const view = (c: Project['config']): Record<string, unknown> => ({ project_name: c.name, version: c.version ?? null, vars: c.vars });
  const dependencies: Record<string, unknown> = { [project.config.name]: view(project.config) };
  for (const [name, c] of project.packages) dependencies[name] = view(c);
  return { ...view(project.config), dependencies, target_name: null };
}

export function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Kwargs);
}

/** The name dbt's own default__generate_<kind>_name gives (untrimmed): the custom name, else the target's, else the node's. */
export function dbtDefaultName(kind: 'schema' | 'database' | 'alias', target: Target, custom: unknown, nodeName: unknown, version: unknown): string {
  const trim = (v: unknown): string => String(v).trim();
  if (kind === 'schema') return isNone(custom) ? target.schema : `${target.schema}_${trim(custom)}`;
  if (kind === 'database') return isNone(custom) ? target.database : trim(custom);
  if (!isNone(custom)) return trim(custom);
  return isNone(version) ? String(nodeName ?? '') : `${String(nodeName)}_v${String(version)}`;
}

/** The functions `defaultNamingMacros` made: a caller that finds one may compute `dbtDefaultName` directly. */
const DEFAULT_NAMING = new WeakSet<Fn>();

export function isDbtDefaultNaming(fn: unknown): boolean {
  return typeof fn === 'function' && DEFAULT_NAMING.has(fn as Fn);
}

/** dbt's default__generate_*_name implementations (the project may override them, or their dispatch). */
export function defaultNamingMacros(target: Target): Record<string, Fn> {
  const macros: Record<string, Fn> = {
    generate_schema_name: (...args) => {
      const { custom_schema_name } = bindArgs('generate_schema_name', [{ name: 'custom_schema_name', default: null }, { name: 'node', default: null }], args);
      return dbtDefaultName('schema', target, custom_schema_name, undefined, undefined);
    },
    generate_database_name: (...args) => {
      const { custom_database_name } = bindArgs('generate_database_name', [{ name: 'custom_database_name', default: null }, { name: 'node', default: null }], args);
      return dbtDefaultName('database', target, custom_database_name, undefined, undefined);
    },
    generate_alias_name: (...args) => {
      const { custom_alias_name, node } = bindArgs('generate_alias_name', [{ name: 'custom_alias_name', default: null }, { name: 'node', default: null }], args);
      const n = (node ?? {}) as Record<string, unknown>;
      return dbtDefaultName('alias', target, custom_alias_name, n.name, n.version);
    },
  };
  for (const fn of Object.values(macros)) DEFAULT_NAMING.add(fn);
  return macros;
}

export { isUndefined };
