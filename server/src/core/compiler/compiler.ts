/**
 * Compiles nodes the way dbt does: renders their Jinja with dbt's context (ref, source, config,
 * var, env_var, this, target, is_incremental, adapter, project macros and dbt's built-ins),
 * names relations through generate_{database,schema,alias}_name (project overrides honoured),
 * and inlines ephemeral models as CTEs. One node at a time: compiling a model renders only it,
 * its ephemeral parents, and (lazily) parents whose config() is computed at render time.
 */
import type { Analysis } from '../analysis';
import type { Clock } from '../clock';
import { sqlCallsOf } from '../loader/node-calls';
import type { Diagnostic } from '../diagnostics';
import { isUndefined, Kwargs, PyFloat } from '../jinja';
import type { ColumnInfo, ProjectNode } from '../model';
import type { Target } from '../profiles';
import type { Span } from '../text';
import { DbtContext, dbtDefaultName, isDbtDefaultNaming, TemplateCache, type ContextFrame } from './context';
import { QUOTE_ALL, type Dialect, type QuotePolicy } from './dialect';
import { injectCtes } from './ephemeral';
import { builtinTests, storedFailures } from './generic-tests';
import { bindArgs, isNone, splitArgs } from './python';
import { Relation } from './relation';

export { TemplateCache } from './context';

export interface CompileOptions {
  target: Target;
  dialect: Dialect;
  /** `--vars`, overriding the project's vars. */
  vars?: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** The invocation's clock (`run_started_at`, `modules.datetime`, `random`); default a fixed one at 1970-01-01. */
  clock?: Clock;
  invocationId?: string;
  fullRefresh?: boolean;
  /** dbt's `--store-failures`: tests whose store_failures config is not set store their failures. */
  storeFailures?: boolean;
  /** Whether the node's relation exists as a table in the warehouse (the runner knows; plain compile says no). */
  relationExists?: (node: ProjectNode, relation: Relation) => boolean;
  /** Runs a query for macros that call run_query(); absent when not connected. */
  runQuery?: (sql: string) => unknown;
  /** `--defer`: the relation another environment's state gives a ref()'d node, when dbt would read that instead. */
  deferredRelation?: (node: ProjectNode) => Relation | undefined;
}

export interface CompileResult {
  nodeId: string;
  /** Compiled SQL; undefined when rendering failed (see diagnostics). */
  sql?: string;
  relation?: string;
  /** Unique ids of ephemeral models inlined as CTEs, in order. */
  ephemerals: string[];
  diagnostics: Diagnostic[];
}

interface Frame extends ContextFrame {
  /** Ephemeral parents inlined into this node, with their CTE text. */
  ctes: Map<string, string>;
  /** config() keyword arguments seen while rendering. */
  captured: Record<string, unknown>;
}

class RenderFailure extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const EPHEMERAL_PREFIX = '__dbt__cte__';

const NAMING_MACROS = ['generate_schema_name', 'generate_database_name', 'generate_alias_name'] as const;
type NamingMacro = (typeof NAMING_MACROS)[number];
const NAMING_KIND = { generate_schema_name: 'schema', generate_database_name: 'database', generate_alias_name: 'alias' } as const;

export class Compiler {
  private readonly relations = new Map<string, Relation>();
  /** dbt's default naming macros per package, where nothing overrides them (`defaultNaming`). */
  private readonly namingDefaults = new Map<string, Partial<Record<NamingMacro, (...a: unknown[]) => unknown>>>();
  private readonly renderedConfig = new Map<string, Record<string, unknown>>();
  /** Override naming results that did not read their node, by macro and custom name (`callNaming`). */
  private readonly namingMemo = new Map<(...a: unknown[]) => unknown, Map<string, string>>();
  /** dbt's context at compile time: the shared builtins and macro namespaces, with runtime ref/source/config. */
  readonly ctx: DbtContext<Frame>;

  constructor(
    readonly analysis: Analysis,
    readonly options: CompileOptions,
    private readonly templates = new TemplateCache(),
  ) {
    const { target, dialect, env } = options;
    this.ctx = new DbtContext<Frame>(
      {
        project: analysis.project,
        target,
        dialect,
        env,
        templates,
        ...(options.vars ? { vars: options.vars } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.invocationId ? { invocationId: options.invocationId } : {}),
        ...(options.runQuery ? { runQuery: options.runQuery } : {}),
        ...(options.storeFailures ? { storeFailures: true } : {}),
      },
      { execute: true, members: () => this.runtimeMembers() },
    );
  }

  private get frames(): Frame[] {
    return this.ctx.frames;
  }

  /** Problems in macro files (syntax errors), reported once per compiler. */
  get macroProblems(): Diagnostic[] {
    return this.ctx.problems;
  }

  compile(nodeId: string): CompileResult {
    const node = this.analysis.project.nodes.get(nodeId);
    const result: CompileResult = { nodeId, ephemerals: [], diagnostics: [] };
    if (!node) {
      result.diagnostics.push({ code: 'jinja-render', severity: 'error', file: '', message: `No enabled node '${nodeId}'` });
      return result;
    }
    try {
      const { sql, frame } = this.renderNode(node);
      result.sql = injectCtes(sql, [...frame.ctes.values()]);
      result.ephemerals = [...frame.ctes.keys()];
      if (node.resourceType !== 'test' && node.resourceType !== 'analysis' && node.resourceType !== 'operation') result.relation = this.relation(node).render();
    } catch (err) {
      result.diagnostics.push(err instanceof RenderFailure ? err.diagnostic : { code: 'jinja-render', severity: 'error', file: node.file, message: String((err as Error).message ?? err) });
    }
    return result;
  }

  /** ref()/source() replacements while compiling a unit test: unique id → SQL text (a subquery). */
  private overrides: Map<string, string> | undefined;

  /**
   * Compiles a node with some of its inputs replaced by SQL (unit test fixtures): `ref('x')`
   * renders the given text instead of x's relation. `incremental` forces is_incremental().
   */
  compileWith(nodeId: string, overrides: Map<string, string>, incremental?: boolean): CompileResult {
    const saved = { overrides: this.overrides, incremental: this.forceIncremental };
    this.overrides = overrides;
    this.forceIncremental = incremental;
    try {
      return this.compile(nodeId);
    } finally {
      this.overrides = saved.overrides;
      this.forceIncremental = saved.incremental;
    }
  }

  private forceIncremental: boolean | undefined;

  /** Compiles `text` (a part of a node's SQL, e.g. an editor selection) in that node's context. */
  compileText(nodeId: string, text: string): CompileResult {
    const node = this.analysis.project.nodes.get(nodeId);
    // The node's own relation and rendered config() stay those of its whole text.
    if (node) this.relation(node);
    const saved = { override: this.textOverride, config: this.renderedConfig.get(nodeId) };
    this.textOverride = { nodeId, text };
    try {
      return this.compile(nodeId);
    } finally {
      this.textOverride = saved.override;
      if (saved.config) this.renderedConfig.set(nodeId, saved.config);
      else this.renderedConfig.delete(nodeId);
    }
  }

  private textOverride: { nodeId: string; text: string } | undefined;

  /** The relation a node is built into (or, for sources, read from). */
  relation(node: ProjectNode): Relation {
    const cached = this.relations.get(node.uniqueId);
    if (cached) return cached;
    const relation = this.computeRelation(node);
    this.relations.set(node.uniqueId, relation);
    return relation;
  }

  // ------------------------------------------------------------------ rendering

  private renderNode(node: ProjectNode): { sql: string; frame: Frame } {
    if (node.resourceType === 'test' && node.test?.attachedTo) return this.renderGenericTest(node);
    const source = this.sourceText(node);
    if (source === undefined) throw this.failure(node.file, undefined, `${node.file} has no text to compile`);
    const { template, diagnostics } = this.templates.get(source.key, source.text);
    const shift = (span: Span): Span => ({ start: span.start + source.offset, end: span.end + source.offset });
    if (diagnostics.length > 0) {
      const d = diagnostics[0]!;
      throw this.failure(node.file, shift(d.span), `Jinja syntax error: ${d.message}`, 'jinja-syntax');
    }
    const frame: Frame = { node, ctes: new Map(), captured: {} };
    if (this.frames.some((f) => f.node.uniqueId === node.uniqueId)) {
      throw this.failure(node.file, undefined, `'${node.name}' depends on itself through ephemeral models`);
    }
    const out = this.ctx.render(template, frame);
    if (out.error) {
      if (out.error.message.startsWith('\u0000')) {
        // A failure raised by a nested compile (ephemeral parent) keeps its own location.
        throw this.nested.pop()!;
      }
      throw this.failure(node.file, shift(out.error.span), out.error.message);
    }
    this.renderedConfig.set(node.uniqueId, frame.captured);
    return { sql: out.output, frame };
  }

  /**
   * A generic test from yml: dbt calls `test_<name>(model=get_where_subquery(<target>), column_name=..., **args)`,
   * rendering string arguments that look like `ref(...)`/`source(...)`/`var(...)` as Jinja first.
   */
  private renderGenericTest(node: ProjectNode): { sql: string; frame: Frame } {
    const test = node.test!;
    const frame: Frame = { node, ctes: new Map(), captured: {} };
    return this.ctx.within(frame, () => {
      const target = this.analysis.project.nodes.get(test.attachedTo!);
      if (!target) throw this.failure(node.file, node.nameSpan, `Test '${node.name}' is attached to '${test.attachedTo}', which is not in the project`);
      const kwargs: Record<string, unknown> = {};
      try {
        kwargs.model = this.testModelArgument(node, target);
      } catch (err) {
        if (err instanceof RenderFailure) throw err;
        if (String((err as Error).message).startsWith('\u0000') && this.nested.length > 0) throw this.nested.pop()!;
        throw this.failure(node.file, node.nameSpan, `Test '${node.name}': ${(err as Error).message}`);
      }
      for (const [key, value] of Object.entries(test.kwargs)) {
        kwargs[key] = key === 'column_name' ? value : this.renderTestArgument(node, value);
      }
      const macroName = `test_${test.name}`;
      const macro = (this.testMacro(node, test.namespace, macroName) ?? this.builtinTest(macroName)) as ((...a: unknown[]) => unknown) | undefined;
      if (!macro) {
        throw this.failure(node.file, node.nameSpan, `Test '${node.name}' uses the generic test '${test.namespace ? `${test.namespace}.` : ''}${test.name}', which is not defined (no {% test ${test.name}(model, ...) %} in the project)`);
      }
      let sql: string;
      try {
        sql = String(this.ctx.call(macro, [new Kwargs(kwargs)]) ?? '');
      } catch (err) {
        if (err instanceof RenderFailure) throw err;
        // A failing ephemeral parent reports its own file and cause.
        if (String((err as Error).message).startsWith('\u0000') && this.nested.length > 0) throw this.nested.pop()!;
        throw this.failure(node.file, node.nameSpan, `Test '${node.name}': ${(err as Error).message}`);
      }
      return { sql, frame };
    });
  }

  /** A generic test's macro: the named package's (`dbt_utils.accepted_range`), else as the test's package sees it. */
  private testMacro(node: ProjectNode, namespace: string | undefined, macroName: string): unknown {
    if (namespace) return this.ctx.packageMacro(namespace, macroName) ?? (namespace === 'dbt' ? undefined : this.ctx.lookup(namespace, macroName));
    const found = this.ctx.lookup(node.packageName, macroName);
    return typeof found === 'function' ? found : undefined;
  }

  /**
   * A generic test's `model`: dbt renders `get_where_subquery(ref('x'))` (or `source('s', 't')`)
   * in the test's context, so a project's own ref, source and get_where_subquery apply.
   */
  private testModelArgument(node: ProjectNode, target: ProjectNode): unknown {
    const override = (name: string): ((...a: unknown[]) => unknown) | undefined => {
      const found = this.ctx.lookup(node.packageName, name);
      return typeof found === 'function' && found !== this.ctx.base[name] ? (found as (...a: unknown[]) => unknown) : undefined;
    };
    let relation: unknown;
    const source = override('source');
    const ref = override('ref');
    if (target.resourceType === 'source' && source) relation = this.ctx.call(source, [target.source!.sourceName, target.name]);
    else if (target.resourceType === 'source') relation = this.relation(target).withQuotePolicy(this.quotePolicy(target, true));
    else if (ref) relation = this.ctx.call(ref, target.version === undefined ? [target.name] : [target.name, new Kwargs({ version: target.version })]);
    else relation = target.config.materialized === 'ephemeral' ? this.inlineEphemeral(target) : this.relation(target);
    const custom = override('get_where_subquery') ?? this.projectDispatch('get_where_subquery');
    if (custom) return this.ctx.call(custom, [relation]);
    const where = node.config.where;
    return typeof where === 'string' && where.trim() !== '' ? `(select * from ${String(relation)} where ${where}) dbt_subquery` : relation;
  }

  /** A project's implementation of a dbt macro through adapter.dispatch (`<adapter>__x`, `default__x`), if it has one. */
  private projectDispatch(name: string): ((...a: unknown[]) => unknown) | undefined {
    try {
      return this.ctx.dispatch(name, 'dbt');
    } catch {
      return undefined;
    }
  }

  private renderTestArgument(node: ProjectNode, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.renderTestArgument(node, v));
    if (isDict(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.renderTestArgument(node, v)]));
    if (typeof value !== 'string') return value;
    const looksLikeCall = /^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$/s.test(value);
    if (!looksLikeCall && !value.includes('{{') && !value.includes('{%')) return value;
    // Native rendering: evaluate the expression and keep its value (a Relation for ref(), a list
    // for var()). A template that is one `{{ expression }}` and nothing else keeps its value too.
    const expression = looksLikeCall ? value : loneExpression(value);
    try {
      if (expression !== undefined) return this.ctx.evaluate(`<test argument of ${node.uniqueId}>`, expression);
      // Block tags around the output (`{% if %}{{ var('x') }}{% endif %}`): the nodes the render reaches decide (nativeValue).
      return value.includes('{%') ? this.ctx.renderNativeValue(node.packageName, value) : this.ctx.renderString(`<test argument of ${node.uniqueId}>`, value);
    } catch (err) {
      throw this.failure(node.file, node.nameSpan, `Test argument ${(err as Error).message}`);
    }
  }

  private builtinTestMacros: ReturnType<typeof builtinTests> | undefined;

  private get builtinTests(): ReturnType<typeof builtinTests> {
    this.builtinTestMacros ??= builtinTests(() => storedFailures(this.frame.node.config, this.options.storeFailures).store, this.options.target.type);
    return this.builtinTestMacros;
  }

  /** dbt's own generic test, which dispatches (namespace 'dbt'): a root project's `default__test_unique` wins. */
  private builtinTest(macroName: string): unknown {
    if (!(macroName in this.builtinTests)) return undefined;
    return this.projectDispatch(macroName) ?? this.builtinTests[macroName];
  }

  /**
   * The template text of a node and where it starts in its file: the whole file for models, the
   * inside of its `{% snapshot %}` block for snapshots (a file may hold several), the hook's SQL.
   */
  private sourceText(node: ProjectNode): { key: string; text: string; offset: number } | undefined {
    if (this.textOverride?.nodeId === node.uniqueId) return { key: `${node.file}#text`, text: this.textOverride.text, offset: 0 };
    if (node.hook) return { key: `${node.file}#${node.name}`, text: node.hook.sql, offset: 0 };
    if (node.snapshotRelation !== undefined) return { key: `${node.file}#${node.name}`, text: `select * from {{ ${node.snapshotRelation} }}`, offset: 0 };
    const text = this.analysis.project.files.get(node.file)?.text;
    if (text === undefined) return undefined;
    if (node.resourceType === 'snapshot' && node.blockSpan) {
      const open = text.indexOf('%}', node.blockSpan.start) + 2;
      const close = text.lastIndexOf('{%', node.blockSpan.end - 1);
      if (open >= 2 && close >= open) return { key: `${node.file}#${node.name}`, text: text.slice(open, close), offset: open };
    }
    return { key: node.file, text, offset: 0 };
  }

  /** Failures of nested renders, carried through the engine's error channel. */
  private readonly nested: RenderFailure[] = [];

  private failure(file: string, span: Span | undefined, message: string, code: Diagnostic['code'] = 'jinja-render'): RenderFailure {
    return new RenderFailure({ code, severity: 'error', file, ...(span ? { span } : {}), message });
  }

  private get frame(): Frame {
    const f = this.frames[this.frames.length - 1];
    if (!f) throw new Error('no node is being compiled');
    return f;
  }

  // ------------------------------------------------------------------ relations

  private computeRelation(node: ProjectNode): Relation {
    const { target, dialect } = this.options;
    const quote = this.quotePolicy(node);
    if (node.resourceType === 'source') {
      const s = node.source!;
      const external = node.config.external_location ?? node.config.meta.external_location;
      if (dialect.type === 'duckdb' && typeof external === 'string') {
        // dbt-duckdb: a source read straight from files, e.g. "read_parquet('data/{name}.parquet')".
        const fields: Record<string, string> = { name: node.name, identifier: s.identifier, source_name: s.sourceName, schema: s.schema ?? s.sourceName };
        return new Relation(dialect, undefined, undefined, external.replace(/\{(\w+)\}/g, (m, k: string) => fields[k] ?? m), 'external');
      }
      return new Relation(dialect, s.database ?? target.database, s.schema ?? s.sourceName, s.identifier, 'table', undefined, quote);
    }
    const config = this.namingInput(node);
    const type = config.materialized === 'view' ? 'view' : config.materialized === 'ephemeral' ? 'cte' : 'table';
    const { database, schema, identifier } = this.names(node, config);
    // dbt names the CTE after the model's identifier (its alias), not its name.
    if (type === 'cte') return new Relation(dialect, undefined, undefined, EPHEMERAL_PREFIX + identifier, 'cte');
    return new Relation(dialect, database, schema, identifier, type, undefined, quote);
  }

  /** Database, schema and identifier of a node as dbt names them (ephemeral models included: manifest.json lists them). */
  relationNames(node: ProjectNode): { database: string; schema: string; identifier: string } {
    return this.names(node);
  }

  /**
   * The identifier dbt gives a node (its generate_alias_name), without computing its database and
   * schema: only nodes sharing an identifier can share a relation.
   */
  identifier(node: ProjectNode): string {
    const cached = this.relations.get(node.uniqueId);
    if (cached && cached.type !== 'cte') return cached.identifier;
    const config = this.namingConfig(node, this.namingInput(node));
    return this.callNaming('generate_alias_name', config.alias ?? null, node, () => this.nodeDict(node, config));
  }

  /** A node's config with what its render computed over it; the node's own (read only) when that is nothing, as for most. */
  private namingInput(node: ProjectNode): Record<string, unknown> {
    const dynamic = this.dynamicConfig(node);
    return Object.keys(dynamic).length > 0 ? { ...node.config, ...dynamic } : node.config;
  }

  private namingConfig(node: ProjectNode, config: Record<string, unknown>): Record<string, unknown> {
    return (node.resourceType === 'test' || node.resourceType === 'unit_test') && isNone(config.schema) ? { ...config, schema: 'dbt_test__audit' } : config;
  }

  private names(node: ProjectNode, config: Record<string, unknown> = this.namingInput(node)): { database: string; schema: string; identifier: string } {
    const { target } = this.options;
    // The node dict (a copy of its config, with a test's default schema) only for an override that asks.
    let dict: Record<string, unknown> | undefined;
    const nodeDict = (): Record<string, unknown> => (dict ??= this.nodeDict(node, this.namingConfig(node, config)));
    const testSchema = (node.resourceType === 'test' || node.resourceType === 'unit_test') && isNone(config.schema);
    let schema: string;
    let database: string;
    if (node.resourceType === 'snapshot' && !isNone(config.target_schema)) {
      schema = String(config.target_schema);
      database = isNone(config.target_database) ? target.database : String(config.target_database);
    } else {
      schema = this.callNaming('generate_schema_name', testSchema ? 'dbt_test__audit' : (config.schema ?? null), node, nodeDict);
      database = this.callNaming('generate_database_name', config.database ?? null, node, nodeDict);
    }
    const identifier = this.callNaming('generate_alias_name', config.alias ?? null, node, nodeDict);
    return { database, schema, identifier };
  }

  /**
   * The adapter's quoting, the project's `quoting:`, then the node's own `quoting` config. Without
   * the project's (`ownOnly`) for what source() returns while compiling: dbt's runtime source
   * resolver ignores project quoting (the manifest's relation_name does not).
   */
  private quotePolicy(node: ProjectNode, ownOnly = false): QuotePolicy {
    const policy = { ...(this.options.dialect.quotePolicy ?? QUOTE_ALL) };
    const own = node.resourceType === 'source' ? node.source!.quoting : node.config.quoting;
    for (const layer of ownOnly ? [own] : [this.analysis.project.config.quoting, own]) {
      if (!isDict(layer)) continue;
      for (const part of ['database', 'schema', 'identifier'] as const) if (typeof layer[part] === 'boolean') policy[part] = layer[part];
    }
    return policy;
  }

  /**
   * Calls a naming macro and trims its output, as dbt does: a package node uses its own package's
   * `generate_X_name` when it has one, otherwise the root project's override, else dbt's default.
   * dbt's own default reads only the node's name and version: the node dict is built only for an
   * override (naming is three calls for each of a project's nodes).
   */
  private callNaming(name: NamingMacro, custom: unknown, node: ProjectNode, nodeDict: () => Record<string, unknown>): string {
    const builtin = this.defaultNaming(node.packageName)[name];
    if (builtin) {
      // dbt's own default, computed without a macro call (its arguments bound for every node otherwise).
      const named = isDbtDefaultNaming(builtin) ? dbtDefaultName(NAMING_KIND[name], this.options.target, custom, node.name, node.version ?? null) : this.ctx.call(builtin, [custom, { name: node.name, version: node.version ?? null }]);
      return String(named ?? '').trim();
    }
    const root = this.analysis.project.config.name;
    const fn = (node.packageName !== root ? this.ctx.packageMacro(node.packageName, name) : undefined) ?? (this.ctx.lookup(root, name) as (...a: unknown[]) => unknown);
    // Outside any node's render (the manifest writer, the load's duplicate check) the context is the
    // same for every call: a result that never looked at its node is the same for every node with
    // that custom name. Most overrides read only custom_schema_name and target.
    const memoKey = this.frames.length === 0 && (custom === null || custom === undefined || typeof custom === 'string') ? (typeof custom === 'string' ? `s${custom}` : 'n') : undefined;
    if (memoKey === undefined) return String(this.ctx.call(fn, [custom, nodeDict()]) ?? '').trim();
    const known = this.namingMemo.get(fn)?.get(memoKey);
    if (known !== undefined) return known;
    const watched = watchedDict(nodeDict);
    const result = String(this.ctx.call(fn, [custom, watched.dict]) ?? '').trim();
    if (!watched.read()) {
      let byCustom = this.namingMemo.get(fn);
      if (!byCustom) this.namingMemo.set(fn, (byCustom = new Map()));
      byCustom.set(memoKey, result);
    }
    return result;
  }

  /**
   * dbt's own naming macros that nothing overrides for a package's nodes (no package or root
   * macro, no dispatch candidate before dbt's default). Macros redefined in place keep their names,
   * so this holds for the compiler's life.
   */
  private defaultNaming(packageName: string): Partial<Record<NamingMacro, (...a: unknown[]) => unknown>> {
    let found = this.namingDefaults.get(packageName);
    if (found) return found;
    found = {};
    const root = this.analysis.project.config.name;
    for (const name of NAMING_MACROS) {
      const own = packageName !== root ? this.ctx.packageMacro(packageName, name) : undefined;
      const builtin = this.ctx.internals[`default__${name}`];
      if (own === undefined && this.ctx.lookup(root, name) === this.ctx.internals[name] && this.ctx.dispatch(name, 'dbt') === builtin) found[name] = builtin as (...a: unknown[]) => unknown;
    }
    this.namingDefaults.set(packageName, found);
    return found;
  }

  /** config() values computed at render time (e.g. `schema=var('s')`): render the node once to see them. */
  private dynamicConfig(node: ProjectNode): Record<string, unknown> {
    // Parse time rendered the node: its config() values are in its config already, as dbt's are.
    if (node.parsed || !sqlCallsOf(this.analysis.project, node).configs.some((c) => c.dynamicKeys.length > 0)) return {};
    const seen = this.renderedConfig.get(node.uniqueId);
    if (seen) return seen;
    if (this.frames.some((f) => f.node.uniqueId === node.uniqueId)) return this.frame.captured;
    try {
      this.renderNode(node);
    } catch {
      // Its own compile reports the problem; naming falls back to the static config.
    }
    return this.renderedConfig.get(node.uniqueId) ?? {};
  }

  private nodeDict(node: ProjectNode, nodeConfig: Record<string, unknown> = node.config): Record<string, unknown> {
    // A template's own copy: dict methods (`model.config.update(...)`) write in place, and nodes share
    // their folder's frozen config (loader/context.ts); dbt hands each node its own config too.
    const config: Record<string, unknown> = { ...nodeConfig };
    if (Array.isArray(config.tags)) config.tags = [...config.tags];
    if (isDict(config.meta)) config.meta = { ...config.meta };
    return {
      name: node.name,
      unique_id: node.uniqueId,
      resource_type: node.resourceType,
      package_name: node.packageName,
      original_file_path: node.file,
      path: node.file,
      fqn: [...node.fqn],
      tags: [...node.config.tags],
      config,
      description: node.description ?? '',
      meta: { ...node.config.meta },
      alias: config.alias ?? node.name,
      version: node.version ?? null,
      latest_version: node.latestVersion ?? null,
      columns: Object.fromEntries(node.columns.map((c) => [c.name, columnDict(c)])),
    };
  }

  // ------------------------------------------------------------------ context

  /** What compile time gives `ref`, `source`, `config` and friends (dbt's RuntimeProvider). */
  private runtimeMembers(): object {
    const ref = (...args: unknown[]): unknown => {
      const { positional, kwargs } = splitArgs(args);
      if (positional.length < 1 || positional.length > 2) throw new Error(`ref() takes 1 or 2 positional arguments (${positional.length} given)`);
      const name = String(positional[positional.length - 1]);
      const pkg = positional.length === 2 ? String(positional[0]) : undefined;
      const version = kwargs.v ?? kwargs.version;
      const current = this.frame.node;
      const targetNode = this.analysis.graph.resolveRef(name, pkg, isNone(version) ? undefined : String(version), current.packageName);
      if (!targetNode) throw new Error(`${current.resourceType} '${current.name}' depends on a node named '${name}'${pkg ? ` in package '${pkg}'` : ''} which was not found`);
      const fixture = this.overrides?.get(targetNode.uniqueId);
      if (fixture !== undefined) return fixture;
      if (current.parsed && !current.dependsOn.includes(targetNode.uniqueId)) {
        // The graph is what parse time recorded: a ref only compile reaches (under `if execute`) is not in it.
        throw new Error(`dbt was unable to infer all dependencies for the model "${current.name}": ref('${name}') is reached only when executing (inside \`{% if execute %}\` or a branch parse time does not take); add \`-- depends_on: {{ ref('${name}') }}\` at the top of the model`);
      }
      if (targetNode.config.materialized === 'ephemeral') return this.inlineEphemeral(targetNode);
      return this.options.deferredRelation?.(targetNode) ?? this.relation(targetNode);
    };
    const source = (...args: unknown[]): unknown => {
      const { source_name, table_name } = bindArgs('source', [{ name: 'source_name' }, { name: 'table_name' }], args);
      const current = this.frame.node;
      const node = this.analysis.graph.resolveSource(String(source_name), String(table_name), current.packageName);
      if (!node) throw new Error(`${current.resourceType} '${current.name}' depends on a source named '${String(source_name)}.${String(table_name)}' which was not found`);
      const fixture = this.overrides?.get(node.uniqueId);
      if (fixture !== undefined) return fixture;
      return this.relation(node).withQuotePolicy(this.quotePolicy(node, true));
    };
    const config = Object.assign(
      (...args: unknown[]): string => {
        const { positional, kwargs } = splitArgs(args);
        const values = positional.length === 1 && positional[0] && typeof positional[0] === 'object' ? (positional[0] as Record<string, unknown>) : kwargs;
        Object.assign(this.frame.captured, values);
        return '';
      },
      {
        get: (...args: unknown[]): unknown => {
          const { name, default: fallback } = bindArgs('config.get', [{ name: 'name' }, { name: 'default', default: null }, { name: 'validator', default: null }], args);
          const key = String(name);
          const frame = this.frame;
          if (key in frame.captured) return frame.captured[key];
          const value = frame.node.config[key];
          return value === undefined ? fallback : value;
        },
        require: (...args: unknown[]): unknown => {
          const { name } = bindArgs('config.require', [{ name: 'name' }, { name: 'validator', default: null }], args);
          const key = String(name);
          const value = this.frame.captured[key] ?? this.frame.node.config[key];
          if (value === undefined) throw new Error(`Required config '${key}' is not set on ${this.frame.node.name}`);
          return value;
        },
        meta_get: (...args: unknown[]): unknown => {
          const { name, default: fallback } = bindArgs('config.meta_get', [{ name: 'name' }, { name: 'default', default: null }, { name: 'validator', default: null }], args);
          const meta = this.frame.node.config.meta ?? {};
          return String(name) in meta ? meta[String(name)] : fallback;
        },
        // dbt's config.set(name, value) is config({name: value}).
        set: (...args: unknown[]): string => {
          const { name, value } = bindArgs('config.set', [{ name: 'name' }, { name: 'value' }], args);
          this.frame.captured[String(name)] = value;
          return '';
        },
        persist_relation_docs: () => Boolean((this.frame.node.config.persist_docs as Record<string, unknown> | undefined)?.relation),
        persist_column_docs: () => Boolean((this.frame.node.config.persist_docs as Record<string, unknown> | undefined)?.columns),
      },
    );
    const isIncremental = (): boolean => {
      if (this.forceIncremental !== undefined) return this.forceIncremental;
      const node = this.frame.node;
      const config = { ...node.config, ...this.frame.captured };
      if (config.materialized !== 'incremental' || this.options.fullRefresh) return false;
      if (config.full_refresh === true) return false;
      return this.options.relationExists?.(node, this.relation(node)) ?? false;
    };
    const runQuery = (sql: unknown): unknown => {
      if (!this.options.runQuery) throw new Error('run_query() needs a warehouse connection; compile with a connected target (medallion run/build) to use it');
      return this.options.runQuery(String(sql));
    };
    const members: Record<string, unknown> = {
      ref,
      source,
      config,
      is_incremental: isIncremental,
      should_full_refresh: () => Boolean(this.options.fullRefresh),
      run_query: runQuery,
      flags: { FULL_REFRESH: Boolean(this.options.fullRefresh), WHICH: 'compile', STORE_FAILURES: Boolean(this.options.storeFailures) },
    };
    const getters: Record<string, () => unknown> = {
      this: () => (this.frame.node.resourceType === 'source' ? undefined : this.relation(this.frame.node)),
      model: () => this.nodeDict(this.frame.node),
      schema: () => this.relation(this.frame.node).schema,
      database: () => this.relation(this.frame.node).database,
      graph: () => this.graphContext(),
    };
    for (const [name, get] of Object.entries(getters)) Object.defineProperty(members, name, { get, enumerable: true });
    return members;
  }

  private graphCache: Record<string, unknown> | undefined;

  /** dbt's `graph` context: every node as a dict (built once, on first use). */
  private graphContext(): Record<string, unknown> {
    if (this.graphCache) return this.graphCache;
    const nodes: Record<string, unknown> = {};
    const sources: Record<string, unknown> = {};
    const exposures: Record<string, unknown> = {};
    for (const node of this.analysis.project.nodes.values()) {
      if (node.resourceType === 'exposure') {
        exposures[node.uniqueId] = { ...this.nodeDict(node), depends_on: { nodes: node.dependsOn, macros: [] } };
        continue;
      }
      if (node.resourceType === 'source') {
        sources[node.uniqueId] = { ...this.nodeDict(node), source_name: node.source!.sourceName, identifier: node.source!.identifier, schema: node.source!.schema };
        continue;
      }
      const names = this.names(node);
      nodes[node.uniqueId] = {
        ...this.nodeDict(node),
        schema: names.schema,
        database: names.database,
        alias: names.identifier,
        depends_on: { nodes: node.dependsOn, macros: [] },
      };
    }
    this.graphCache = { nodes, sources, exposures, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} };
    return this.graphCache;
  }

  private inlineEphemeral(node: ProjectNode): Relation {
    const frame = this.frame;
    const cteName = this.relation(node).identifier;
    if (!frame.ctes.has(node.uniqueId)) {
      let inner: { sql: string; frame: Frame };
      try {
        inner = this.renderNode(node);
      } catch (err) {
        if (err instanceof RenderFailure) {
          this.nested.push(err);
          throw new Error('\u0000nested');
        }
        throw err;
      }
      // The ephemeral's own ephemeral parents come first, as dbt orders them.
      for (const [id, sql] of inner.frame.ctes) if (!frame.ctes.has(id)) frame.ctes.set(id, sql);
      frame.ctes.set(node.uniqueId, ` ${cteName} as (\n${inner.sql}\n)`);
    }
    return new Relation(this.options.dialect, undefined, undefined, cteName, 'cte');
  }

}

/** The expression of a template that is exactly one `{{ expression }}` (dbt's native rendering returns its value). */
function loneExpression(text: string): string | undefined {
  const m = /^\{\{-?([\s\S]*?)-?\}\}$/.exec(text);
  if (!m || m[1]!.includes('{{') || m[1]!.includes('}}') || m[1]!.includes('{%')) return undefined;
  return m[1]!.trim() || undefined;
}

/**
 * A node dict built on first use, which tells whether anything looked into it: keys, values,
 * membership, writes. Its prototype (a plain object's) is the same for every node, so an
 * `instanceof` check does not count.
 */
function watchedDict(build: () => Record<string, unknown>): { dict: Record<string, unknown>; read: () => boolean } {
  const target: Record<string, unknown> = {};
  let built = false;
  const real = (): Record<string, unknown> => {
    if (!built) {
      built = true;
      Object.assign(target, build());
    }
    return target;
  };
  const dict = new Proxy(target, {
    get: (_t, key) => Reflect.get(real(), key),
    has: (_t, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, key) => Reflect.getOwnPropertyDescriptor(real(), key),
    set: (_t, key, value) => Reflect.set(real(), key, value),
    deleteProperty: (_t, key) => Reflect.deleteProperty(real(), key),
    defineProperty: (_t, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
  });
  return { dict, read: () => built };
}

/** A column as dbt's node dict holds it (ColumnInfo): what macros read from `model.columns` and `graph`. */
function columnDict(c: ColumnInfo): Record<string, unknown> {
  const meta = c.meta ?? {};
  const tags = c.tags ?? [];
  return { name: c.name, description: c.description ?? '', meta, data_type: c.dataType ?? null, constraints: [], quote: c.quote ?? null, config: { meta, tags }, tags, granularity: null, doc_blocks: [] };
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

export { isUndefined, Kwargs };
