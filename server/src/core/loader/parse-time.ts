/**
 * Parse time, as `dbt parse` does it: a SQL node's refs, sources, config() and the macros it
 * calls come from rendering its Jinja with dbt's parse-time context (`execute` false; `ref` and
 * `source` record their arguments and answer a placeholder relation; `config()` records;
 * `config.get` answers ''; `run_query` answers none; `graph` is empty). Calls made inside macros
 * count, computed arguments count, branches not taken contribute nothing.
 *
 * The static scan stands in for the render only where it provably gives the same answer: the
 * file's Jinja is nothing but literal ref/source/config calls (`ScanResult.static`) and neither
 * the root project nor the node's package overrides `ref`, `source` or `config`. Verify mode
 * renders every node anyway and reports any node where the two differ.
 *
 * The render does no I/O: it reads file texts already loaded, `env_var` reads the environment it
 * is given (none in an untrusted workspace: defaults answer), and nothing queries a warehouse.
 */
import type { Clock } from '../clock';
import { copyConfig } from '../config-tree';
import { DbtContext, TemplateCache, type ContextFrame } from '../compiler/context';
import { PARSE_TIME_RESULTS } from '../compiler/dbt-macro-names';
import { createDuckDbDialect } from '../compiler/duckdb';
import type { Dialect } from '../compiler/dialect';
import { createDatabricksDialect } from '../compiler/databricks';
import { bindArgs, splitArgs } from '../compiler/python';
import { Relation } from '../compiler/relation';
import type { Diagnostic } from '../diagnostics';
import { currentCallSite, isUndefined, Kwargs, parse, pyStr, type RenderOptions, type Template } from '../jinja';
import type { Project, ProjectNode } from '../model';
import type { Target } from '../profiles';
import type { RefCall, ScanResult, SourceCall } from '../scanner';
import { LineIndex, type Span } from '../text';

export interface ParseOptions {
  /** The target the project is parsed for: `target.type`, `target.name` may decide the graph, as in dbt. */
  target: Target;
  /** What `env_var` reads (an untrusted workspace passes none: every env_var answers its default). */
  env: Record<string, string | undefined>;
  /** `--vars`. */
  vars?: Record<string, unknown>;
  /** What `run_started_at`, `modules.datetime` and `random` read (LoadOptions.clock). */
  clock?: Clock;
  /** Render every node even where the static scan would do, and report nodes where the two differ. */
  verify?: boolean;
  templates: TemplateCache;
}

/** Loop iterations plus calls one node's render may take (a render that never ends is stopped here). */
export const PARSE_STEP_BUDGET = 2_000_000;
/** One options object for every parse-time render (the context prepares it once); the text is never read. */
const PARSE_RENDER: RenderOptions = { maxSteps: PARSE_STEP_BUDGET, discardOutput: true };

interface RecordedRef {
  name: string;
  packageName: string | undefined;
  version: string | undefined;
  site: Span | undefined;
}

interface RecordedSource {
  source: string;
  table: string;
  site: Span | undefined;
}

interface ParseFrame extends ContextFrame {
  /** The node's own template: call sites are located in it. */
  template?: Template;
  call: Record<string, unknown>;
  refs: RecordedRef[];
  sources: RecordedSource[];
  /**
   * What ref(), source() and `this` answer for this node, made once: a parse-time relation is
   * immutable (readonly fields; templates assign attributes only on a namespace; its methods
   * return new relations), and a rendered ref is printed, never kept.
   */
  relation?: Relation;
  /** A generic test's arguments, as `_dbt_generic_test_kwargs` (its parse-time render). */
  testKwargs?: Record<string, unknown>;
}

/** What parse time learned about one node. */
export interface NodeParse {
  by: 'scan' | 'render';
  refs: RefCall[];
  sources: SourceCall[];
  /** config() arguments merged in call order (dbt's config_call_dict). */
  call: Record<string, unknown>;
  macros: string[];
  /** Every macro the render reached. */
  uses: string[];
  diagnostics: Diagnostic[];
}

/** What a generic test's macro recorded when rendered at parse time. */
export interface TestMacroParse {
  refs: RefCall[];
  sources: SourceCall[];
  /** Its config() and config.set() arguments merged in call order (they apply over the yml config). */
  call: Record<string, unknown>;
  diagnostics: Diagnostic[];
}

/** A macro body that calls ref(), source(), config() or config.set() (conservative: a comment or a string counts too). */
const RECORDING_CALL = /\b(?:ref|source|config)\s*\(|\bconfig\s*\.\s*set\b/;
/** Names called in a macro body: any identifier before `(` (only the ones naming a macro count). */
const CALLED_NAME = /\b([A-Za-z_]\w*)\s*\(/g;
/** `adapter.dispatch('name'`: the macros it may reach are `<prefix>__name`. */
const DISPATCHED_NAME = /\bdispatch\s*\(\s*(?:macro_name\s*=\s*)?['"](\w+)['"]/g;

/** The text a node renders: the whole file, or a snapshot block's inside, and where it starts in the file. */
export function nodeTemplateText(node: ProjectNode, fileText: string): { key: string; text: string; offset: number } {
  if (node.resourceType === 'snapshot' && node.blockSpan) {
    const open = fileText.indexOf('%}', node.blockSpan.start) + 2;
    const close = fileText.lastIndexOf('{%', node.blockSpan.end - 1);
    if (open >= 2 && close >= open) return { key: `${node.file}#${node.name}`, text: fileText.slice(open, close), offset: open };
  }
  return { key: node.file, text: fileText, offset: 0 };
}

/** The dialect parse time renders with: the adapter's when Medallion runs on it, else DuckDB's SQL under the profile's type. */
export function parseDialect(type: string): Dialect {
  if (type === 'duckdb') return createDuckDbDialect();
  if (type === 'databricks' || type === 'spark') return createDatabricksDialect();
  return { ...createDuckDbDialect(), type };
}

export class ParseTime {
  readonly ctx: DbtContext<ParseFrame>;
  private readonly dialect: Dialect;
  /** Packages whose nodes may take the fast path: neither they nor the root project override ref, source or config. */
  private readonly plainPackages = new Map<string, boolean>();
  /** The macro sets a render records into, reused from node to node (emptied after each); null while one is in use. */
  private spareSets: { macros: Set<string>; uses: Set<string> } | null = { macros: new Set(), uses: new Set() };

  constructor(
    readonly project: Project,
    readonly options: ParseOptions,
  ) {
    this.dialect = parseDialect(options.target.type);
    this.ctx = new DbtContext<ParseFrame>(
      {
        project,
        target: options.target,
        dialect: this.dialect,
        env: options.env,
        templates: options.templates,
        ...(options.vars ? { vars: options.vars } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      },
      { execute: false, members: () => this.parseMembers() },
    );
  }

  /** Problems in macro files found while defining the macros (syntax errors). */
  get macroProblems(): Diagnostic[] {
    return this.ctx.problems;
  }

  /** Macro names known to reach a ref(), source() or config() call (true), or known not to (false, from a complete walk). */
  private readonly reachesRecording = new Map<string, boolean>();
  /** Macro names by what follows `__` (`default__x`, `spark__x` under `x`): what adapter.dispatch may reach. */
  private dispatchTargets: Map<string, string[]> | undefined;

  /**
   * Whether the macro `name` (any package's), or a macro it calls by name or through
   * adapter.dispatch, calls ref(), source() or config(): read from the macro texts, so a yes may
   * be a false alarm (a comment) but a no is certain. `visiting` guards recursive macros.
   */
  private reachesRecordingCall(name: string, visiting: Set<string>): boolean {
    const known = this.reachesRecording.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return false;
    const top = visiting.size === 0;
    visiting.add(name);
    let found = false;
    for (const def of this.project.macros.get(name) ?? []) {
      const text = this.project.files.get(def.file)?.text;
      if (text === undefined) continue;
      const body = text.slice(def.block.span.start, def.block.span.end);
      if (RECORDING_CALL.test(body)) found = true;
      for (const m of body.matchAll(CALLED_NAME)) {
        if (found) break;
        const callee = m[1]!;
        if (callee !== name && this.project.macros.has(callee) && this.reachesRecordingCall(callee, visiting)) found = true;
      }
      for (const m of body.matchAll(DISPATCHED_NAME)) {
        if (found) break;
        for (const callee of this.dispatchTargetsOf(m[1]!)) if (this.reachesRecordingCall(callee, visiting)) found = true;
      }
      if (found) break;
    }
    visiting.delete(name);
    // A no found inside a cycle may depend on a macro still being walked: only a complete walk's no is kept.
    if (found || top) this.reachesRecording.set(name, found);
    return found;
  }

  private dispatchTargetsOf(name: string): string[] {
    if (!this.dispatchTargets) {
      this.dispatchTargets = new Map();
      for (const macro of this.project.macros.keys()) {
        const at = macro.indexOf('__');
        if (at <= 0) continue;
        const bare = macro.slice(at + 2);
        const list = this.dispatchTargets.get(bare);
        if (list) list.push(macro);
        else this.dispatchTargets.set(bare, [macro]);
      }
    }
    return [name, ...(this.dispatchTargets.get(name) ?? [])];
  }

  /**
   * What a generic test's macro records when dbt renders the test at parse time
   * (`{{ test_x(**_dbt_generic_test_kwargs) }}` in the test's context; dbt renders every generic
   * test but its own not_null and unique): `{% set s = ref('seed') %}` in the body, or in a macro
   * it calls, is a dependency of every test using it, and its `config(severity='warn')` applies
   * over the yml config. Undefined where that provably records nothing: no macro of the test's
   * name in the project (dbt's own tests), or neither it nor anything it calls calls ref(),
   * source() or config(). The arguments' own ref()/source() strings are read by generic-tests.ts
   * and not repeated here. Verify mode renders every test of a project macro and reports a test
   * where the two answers differ.
   */
  testMacroCalls(node: ProjectNode): TestMacroParse | undefined {
    const test = node.test;
    if (!test) return undefined;
    const macroName = `test_${test.name}`;
    if (!this.project.macros.has(macroName)) return undefined;
    const reaches = this.reachesRecordingCall(macroName, new Set());
    if (!reaches && !this.options.verify) return undefined;
    const rendered = this.renderTest(node, macroName);
    if (!reaches && (rendered.refs.length > 0 || rendered.sources.length > 0 || Object.keys(rendered.call).length > 0)) {
      rendered.diagnostics.push({ code: 'jinja-render', severity: 'error', file: node.file, span: node.nameSpan, message: `verify: '${node.name}' was taken for a test whose macro calls no ref(), source() or config(), but its render recorded some` });
    }
    return rendered;
  }

  private renderTest(node: ProjectNode, macroName: string): TestMacroParse {
    const test = node.test!;
    const text = `{{ ${test.namespace ? `${test.namespace}.` : ''}${macroName}(**_dbt_generic_test_kwargs) }}`;
    const none = node.nameSpan ?? { start: 0, end: 0 };
    const result: TestMacroParse = { refs: [], sources: [], call: {}, diagnostics: [] };
    const { template, diagnostics: syntax } = this.options.templates.get(`<test ${text}>`, text);
    if (syntax.length > 0) return result;
    const frame: ParseFrame = { node, call: {}, refs: [], sources: [] };
    // The arguments as dbt renders them first (a `ref(...)` string is a relation), recorded
    // nowhere: generic-tests.ts reads their calls with their places in the yml.
    const kwargs: Record<string, unknown> = {};
    this.ctx.within(frame, () => {
      kwargs.model = new Relation(this.dialect, this.options.target.database, this.options.target.schema, node.name);
      for (const [key, value] of Object.entries(test.kwargs)) kwargs[key] = key === 'column_name' ? value : this.renderTestArgument(node, value);
    });
    frame.refs.length = 0;
    frame.sources.length = 0;
    frame.call = result.call;
    frame.testKwargs = kwargs;
    const out = this.ctx.render(template, frame, PARSE_RENDER);
    if (out.error) {
      result.diagnostics.push({ code: 'jinja-render', severity: 'error', file: node.file, span: none, message: `Test '${node.name}': ${this.describeError(out.error, template)}` });
    }
    const seen = new Set<string>();
    for (const r of frame.refs) {
      const key = `${r.packageName ?? ''}\u0000${r.name}\u0000${r.version ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.refs.push({ name: r.name, ...(r.packageName !== undefined ? { packageName: r.packageName } : {}), ...(r.version !== undefined ? { version: r.version } : {}), span: none, callSpan: none, literal: false });
    }
    for (const s of frame.sources) {
      const key = `\u0001${s.source}\u0000${s.table}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.sources.push({ source: s.source, table: s.table, sourceSpan: none, tableSpan: none, callSpan: none, literal: false });
    }
    return result;
  }

  /** A test argument as dbt's add_rendered_test_kwargs renders it (native); left as written when that fails. */
  private renderTestArgument(node: ProjectNode, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.renderTestArgument(node, v));
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.renderTestArgument(node, v)]));
    }
    if (typeof value !== 'string') return value;
    const looksLikeCall = /^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$/s.test(value);
    try {
      if (looksLikeCall) return this.ctx.evaluate(`<test argument ${value}>`, value);
      if (value.includes('{{') || value.includes('{%')) return this.ctx.renderString(`<test argument ${value}>`, value);
    } catch {
      // The argument stays as written: what the macro then records is all the render can tell.
    }
    return value;
  }

  private fastPathAllowed(packageName: string): boolean {
    let allowed = this.plainPackages.get(packageName);
    if (allowed === undefined) {
      const root = this.project.config.name;
      allowed = !['ref', 'source', 'config'].some((name) => this.project.macros.get(name)?.some((m) => m.packageName === root || m.packageName === packageName));
      this.plainPackages.set(packageName, allowed);
    }
    return allowed;
  }

  /** Reads one SQL node: by its static scan where that is provably the render's answer, else by rendering it. */
  parseNode(node: ProjectNode, fileText: string | undefined, scan: ScanResult | undefined): NodeParse {
    const fast = scan !== undefined && scan.static && this.fastPathAllowed(node.packageName);
    if (fast && !this.options.verify) return fromScan(scan!);
    if (fileText === undefined || scan === undefined) return { ...fromScan(scan), by: 'render' };
    const rendered = this.render(node, fileText, scan);
    if (fast) {
      const difference = differs(fromScan(scan!), rendered);
      if (difference) {
        rendered.diagnostics.push({ code: 'jinja-render', severity: 'error', file: node.file, message: `verify: the static scan of '${node.name}' disagrees with its render: ${difference}` });
      }
    }
    return rendered;
  }

  private render(node: ProjectNode, fileText: string, scan: ScanResult): NodeParse {
    const source = nodeTemplateText(node, fileText);
    // Not cached: a node's template is needed once per load, and thousands of kept trees cost memory and GC.
    const { template, diagnostics: syntax } = parse(source.text);
    const shift = (span: Span): Span => ({ start: span.start + source.offset, end: span.end + source.offset });
    if (syntax.length > 0) {
      // The scan reports the file's syntax problems; when it saw none, the parser's first one is the cause.
      const diagnostics: Diagnostic[] = scan.problems.length > 0 ? [] : [{ code: 'jinja-syntax', severity: 'error', file: node.file, span: shift(syntax[0]!.span), message: syntax[0]!.message }];
      return { ...fromScan(scan), by: 'render', diagnostics };
    }
    // Thousands of nodes render one after another: they record into the same two sets.
    const sets = this.spareSets ?? { macros: new Set<string>(), uses: new Set<string>() };
    this.spareSets = null;
    const frame: ParseFrame = { node, template, call: {}, refs: [], sources: [], macros: sets.macros, uses: sets.uses };
    const out = this.ctx.render(template, frame, PARSE_RENDER);
    const macros = listOnce(sets.macros);
    const uses = listOnce(sets.uses);
    this.spareSets = sets;
    const diagnostics: Diagnostic[] = [];
    const located = locate(frame, fileText, source.offset, scan);
    if (out.error) {
      diagnostics.push({ code: 'jinja-render', severity: 'error', file: node.file, span: shift(out.error.span), message: this.describeError(out.error, template) });
      // What was recorded before the failure is real; the scan's literal calls keep the rest of the graph usable.
      mergeScan(located, scan);
    }
    return { by: 'render', refs: located.refs, sources: located.sources, call: frame.call, macros, uses, diagnostics };
  }

  /** A SQL node read again (an edit): its body as parseNode reads it, then its configured hooks. */
  reparse(node: ProjectNode, fileText: string, scan: ScanResult): NodeParse {
    const parsed = this.parseNode(node, fileText, scan);
    const config = node.config;
    const hooks = [config.pre_hook, config.post_hook].flatMap((h) => (h === undefined || h === null ? [] : Array.isArray(h) ? h : [h]));
    if (hooks.length === 0) return parsed;
    const fromHooks = this.renderHooks(node, hooks);
    return {
      ...parsed,
      refs: [...parsed.refs, ...fromHooks.refs],
      sources: [...parsed.sources, ...fromHooks.sources],
      macros: [...new Set([...parsed.macros, ...fromHooks.macros])],
      uses: [...new Set([...parsed.uses, ...fromHooks.uses])],
      diagnostics: [...parsed.diagnostics, ...fromHooks.diagnostics],
    };
  }

  /** Renders a node's hooks (`pre-hook`/`post-hook`, from any config layer): refs in them are the node's, as in dbt. */
  renderHooks(node: ProjectNode, hooks: unknown[]): NodeParse {
    const frame: ParseFrame = { node, call: {}, refs: [], sources: [], macros: new Set(), uses: new Set() };
    const diagnostics: Diagnostic[] = [];
    hooks.forEach((hook) => {
      const sql = typeof hook === 'string' ? hook : hook && typeof hook === 'object' && 'sql' in hook ? String((hook as { sql: unknown }).sql) : undefined;
      if (sql === undefined || (!sql.includes('{{') && !sql.includes('{%'))) return;
      // Project hooks repeat on every node of a folder: one template per hook text.
      const { template, diagnostics: syntax } = this.options.templates.get(`<hook>${sql}`, sql);
      if (syntax.length > 0) {
        diagnostics.push({ code: 'jinja-syntax', severity: 'error', file: node.file, message: `Hook '${sql}' of '${node.name}': ${syntax[0]!.message}` });
        return;
      }
      const out = this.ctx.render(template, frame, PARSE_RENDER);
      if (out.error) diagnostics.push({ code: 'jinja-render', severity: 'error', file: node.file, message: `Hook '${sql}' of '${node.name}': ${this.describeError(out.error)}` });
    });
    const none = { start: 0, end: 0 };
    return {
      by: 'render',
      refs: frame.refs.map((r) => ({ name: r.name, ...(r.packageName !== undefined ? { packageName: r.packageName } : {}), ...(r.version !== undefined ? { version: r.version } : {}), span: none, callSpan: none, literal: false })),
      sources: frame.sources.map((s) => ({ source: s.source, table: s.table, sourceSpan: none, tableSpan: none, callSpan: none, literal: false })),
      call: frame.call,
      macros: [...frame.macros!],
      uses: [...frame.uses!],
      diagnostics,
    };
  }

  /** The cause, and where inside a macro it happened when that is another file. */
  private describeError(error: { message: string; trace?: Array<{ span: Span; template: Template }> }, own?: Template): string {
    const innermost = error.trace?.[0];
    const file = innermost && innermost.template !== own ? this.options.templates.fileOf(innermost.template) : undefined;
    if (!innermost || !file || file.startsWith('<')) return error.message;
    const { line } = new LineIndex(innermost.template.source).position(innermost.span.start);
    return `${error.message} (in ${file.replace(/#.*$/, '')}, line ${line + 1})`;
  }

  // ------------------------------------------------------------------ the parse-time context

  private parseMembers(): object {
    const target = this.options.target;
    const relationOf = (frame: ParseFrame): Relation => (frame.relation ??= new Relation(this.dialect, target.database, target.schema, frame.node.name));
    const site = (frame: ParseFrame): Span | undefined => {
      const at = currentCallSite();
      return at !== null && at.template === frame.template ? at.span : undefined;
    };
    const ref = (...args: unknown[]): unknown => {
      const frame = this.ctx.frame;
      // Read in place (no split lists): a big project renders a ref per model or more.
      const last = args[args.length - 1];
      const kwargs = last instanceof Kwargs ? last.values : NO_KWARGS;
      const count = last instanceof Kwargs ? args.length - 1 : args.length;
      if (count < 1 || count > 2) throw new Error(`ref() takes at most two arguments (${count} given)`);
      const name = args[count - 1];
      const pkg = count === 2 ? args[0] : null;
      if (typeof name !== 'string') throw new Error(`The name argument to ref() must be a string, got ${typeName(name)}`);
      if (pkg !== null && pkg !== undefined && typeof pkg !== 'string') throw new Error(`The package argument to ref() must be a string or None, got ${typeName(pkg)}`);
      const version = truthyOr(kwargs.version, kwargs.v);
      if (version !== null && version !== undefined && typeof version !== 'string' && typeof version !== 'number') {
        throw new Error(`The version argument to ref() must be a string, int, float, or None - got ${typeName(version)}`);
      }
      // One shape for every record (absent parts undefined): locate reads thousands of them.
      frame.refs.push({
        name,
        packageName: typeof pkg === 'string' ? pkg : undefined,
        version: version !== null && version !== undefined ? String(version) : undefined,
        site: site(frame),
      });
      return relationOf(frame);
    };
    const source = (...args: unknown[]): unknown => {
      const frame = this.ctx.frame;
      const last = args[args.length - 1];
      const all = last instanceof Kwargs ? [...args.slice(0, -1), ...Object.values(last.values)] : args;
      if (all.length !== 2) throw new Error(`source() takes exactly two arguments (${all.length} given)`);
      const [sourceName, tableName] = all;
      if (typeof sourceName !== 'string') throw new Error(`The source name (first) argument to source() must be a string, got ${typeName(sourceName)}`);
      if (typeof tableName !== 'string') throw new Error(`The table name (second) argument to source() must be a string, got ${typeName(tableName)}`);
      frame.sources.push({ source: sourceName, table: tableName, site: site(frame) });
      return relationOf(frame);
    };
    const config = Object.assign(
      (...args: unknown[]): string => {
        const { positional, kwargs } = splitArgs(args);
        let opts: unknown;
        if (positional.length === 1 && Object.keys(kwargs).length === 0) opts = positional[0];
        else if (positional.length === 0 && Object.keys(kwargs).length > 0) opts = kwargs;
        else throw new Error('Invalid inline model config: config() takes one dict or keyword arguments');
        if (!opts || typeof opts !== 'object' || Array.isArray(opts)) throw new Error(`Invalid inline model config: expected a dict, got ${typeName(opts)}`);
        mergeConfigCall(this.ctx.frame.call, opts as Record<string, unknown>);
        return '';
      },
      {
        // At parse time dbt's config.get/require answer '' whatever is configured.
        get: () => '',
        require: () => '',
        meta_get: () => '',
        meta_require: () => '',
        set: (...args: unknown[]) => {
          const { name, value } = bindArgs('config.set', [{ name: 'name' }, { name: 'value' }], args);
          mergeConfigCall(this.ctx.frame.call, { [String(name)]: value });
          return '';
        },
        persist_relation_docs: () => false,
        persist_column_docs: () => false,
      },
    );
    const members: Record<string, unknown> = {
      ref,
      source,
      config,
      is_incremental: () => false,
      should_full_refresh: () => false,
      run_query: () => PARSE_TIME_RESULTS.run_query!(),
      // dbt's flat graph is empty while parsing.
      graph: {},
    };
    const getters: Record<string, () => unknown> = {
      this: () => relationOf(this.ctx.frame),
      model: () => parseTimeNodeDict(this.ctx.frame.node, target),
      schema: () => target.schema,
      database: () => target.database,
      _dbt_generic_test_kwargs: () => this.ctx.frame.testKwargs ?? {},
    };
    for (const [name, get] of Object.entries(getters)) Object.defineProperty(members, name, { get, enumerable: true });
    return members;
  }
}

const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_MACROS: string[] = Object.freeze([]) as unknown as string[];

/** A recording set as a list, the set then emptied for the next node (most nodes call no macro: one shared empty list). */
function listOnce(set: Set<string>): string[] {
  if (set.size === 0) return NO_MACROS;
  const list = [...set];
  set.clear();
  return list;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined || isUndefined(v)) return "<class 'NoneType'>";
  if (Array.isArray(v)) return "<class 'list'>";
  if (typeof v === 'number') return Number.isInteger(v) ? "<class 'int'>" : "<class 'float'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (typeof v === 'string') return "<class 'str'>";
  return `<class '${v instanceof Kwargs ? 'dict' : typeof v === 'object' ? 'dict' : typeof v}'>`;
}

/** Python's `a or b`. */
function truthyOr(a: unknown, b: unknown): unknown {
  const falsy = a === undefined || a === null || a === false || a === 0 || a === '' || isUndefined(a);
  return falsy ? b : a;
}

/**
 * dbt's merge_config_dicts: the first call's dict as it is (a string tag stays a string: dbt's
 * unrendered_config shows it so); later ones append hooks and tags, update dict configs, replace
 * the rest.
 */
function mergeConfigCall(into: Record<string, unknown>, opts: Record<string, unknown>): void {
  // dbt's ParseConfigObject renames pre_hook/post_hook to pre-hook/post-hook first (moved last).
  if ('pre_hook' in opts || 'post_hook' in opts) {
    const renamed: Record<string, unknown> = { ...opts };
    for (const old of ['pre_hook', 'post_hook']) {
      if (old in renamed) {
        const value = renamed[old];
        delete renamed[old];
        renamed[old.replace('_', '-')] = value;
      }
    }
    opts = renamed;
  }
  if (Object.keys(into).length === 0) {
    Object.assign(into, opts);
    return;
  }
  for (const [key, value] of Object.entries(opts)) {
    if (key === 'pre-hook' || key === 'post-hook' || key === 'tags') {
      const before = into[key];
      // concat: a list of the exact size, kept in the node's config layers.
      into[key] = (before === undefined ? [] : Array.isArray(before) ? before : [before]).concat(Array.isArray(value) ? value : [value]);
    } else if ((key === 'meta' || key === 'grants' || key === 'docs') && value && typeof value === 'object' && !Array.isArray(value)) {
      const before = into[key];
      into[key] = { ...(before && typeof before === 'object' ? before : {}), ...(value as Record<string, unknown>) };
    } else {
      into[key] = value;
    }
  }
}

/** The node as dbt's parse-time `model` shows it: its project config, the target's schema. */
function parseTimeNodeDict(node: ProjectNode, target: Target): Record<string, unknown> {
  // A node being loaded still has its project tree's config, shared with its folder (nodes.ts
  // addNode): the render gets the node's own copy, which dict methods may change in place.
  if (node.configLayers !== undefined && node.config === node.configLayers.tree) node.config = copyConfig(node.config);
  return {
    name: node.name,
    unique_id: node.uniqueId,
    resource_type: node.resourceType,
    package_name: node.packageName,
    original_file_path: node.file,
    path: node.file,
    fqn: node.fqn,
    tags: node.config.tags,
    config: node.config,
    meta: node.config.meta,
    alias: node.name,
    schema: target.schema,
    database: target.database,
    description: '',
    columns: {},
    refs: [],
    sources: [],
    depends_on: { macros: [], nodes: [] },
    language: 'sql',
    version: node.version ?? null,
    latest_version: node.latestVersion ?? null,
  };
}

function fromScan(scan: ScanResult | undefined): NodeParse {
  const call: Record<string, unknown> = {};
  for (const c of scan?.configs ?? []) mergeConfigCall(call, c.values);
  return { by: 'scan', refs: scan?.refs ?? [], sources: scan?.sources ?? [], call, macros: [], uses: [], diagnostics: [] };
}

/**
 * The recorded calls with their places in the file: the literal `ref('x')` the scan found at
 * that call, else a string literal holding the name inside the call that led to it (a name
 * passed into a macro), else that call itself (`literal: false`: nothing there to rename).
 */
function locate(frame: ParseFrame, fileText: string, offset: number, scan: ScanResult): { refs: RefCall[]; sources: SourceCall[] } {
  // The common case: each call rendered once, where the scan found it literally.
  if (offset === 0 && sameAsScan(frame, scan)) return { refs: scan.refs, sources: scan.sources };
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  const seen = new Set<string>();
  const none = { start: offset, end: offset };
  for (const r of frame.refs) {
    const site = r.site ? { start: r.site.start + offset, end: r.site.end + offset } : undefined;
    const key = `${r.packageName ?? ''}\u0000${r.name}\u0000${r.version ?? ''}\u0000${site?.start ?? -1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const base = { name: r.name, ...(r.packageName !== undefined ? { packageName: r.packageName } : {}), ...(r.version !== undefined ? { version: r.version } : {}) };
    const scanned = site && scan.refs.find((s) => s.name === r.name && s.packageName === r.packageName && s.callSpan.start >= site.start && s.callSpan.end <= site.end);
    if (scanned) {
      refs.push({ ...base, span: scanned.span, callSpan: scanned.callSpan });
      continue;
    }
    const literal = site && literalWithin(fileText, site, r.name);
    if (literal) refs.push({ ...base, span: literal, callSpan: site! });
    else refs.push({ ...base, span: site ?? none, callSpan: site ?? none, literal: false });
  }
  for (const s of frame.sources) {
    const site = s.site ? { start: s.site.start + offset, end: s.site.end + offset } : undefined;
    const key = `${s.source}\u0000${s.table}\u0000${site?.start ?? -1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const scanned = site && scan.sources.find((x) => x.source === s.source && x.table === s.table && x.callSpan.start >= site.start && x.callSpan.end <= site.end);
    if (scanned) {
      sources.push(scanned);
      continue;
    }
    const sourceSpan = site && literalWithin(fileText, site, s.source);
    const tableSpan = site && literalWithin(fileText, site, s.table);
    if (sourceSpan && tableSpan) sources.push({ source: s.source, table: s.table, sourceSpan, tableSpan, callSpan: site! });
    else sources.push({ source: s.source, table: s.table, sourceSpan: site ?? none, tableSpan: site ?? none, callSpan: site ?? none, literal: false });
  }
  return { refs, sources };
}

function sameAsScan(frame: ParseFrame, scan: ScanResult): boolean {
  if (frame.refs.length !== scan.refs.length || frame.sources.length !== scan.sources.length) return false;
  for (let i = 0; i < frame.refs.length; i++) {
    const r = frame.refs[i]!;
    const s = scan.refs[i]!;
    if (r.name !== s.name || r.packageName !== s.packageName || r.version !== s.version || r.site?.start !== s.callSpan.start || r.site.end !== s.callSpan.end) return false;
  }
  for (let i = 0; i < frame.sources.length; i++) {
    const r = frame.sources[i]!;
    const s = scan.sources[i]!;
    if (r.source !== s.source || r.table !== s.table || r.site?.start !== s.callSpan.start || r.site.end !== s.callSpan.end) return false;
  }
  return true;
}

/** The inside of a quoted string literal equal to `value` within `span`, if there is one. */
function literalWithin(text: string, span: Span, value: string): Span | undefined {
  for (const quote of ["'", '"']) {
    const needle = quote + value + quote;
    const at = text.indexOf(needle, span.start);
    if (at !== -1 && at + needle.length <= span.end) return { start: at + 1, end: at + 1 + value.length };
  }
  return undefined;
}

/** After a failed render: the scan's literal calls not already recorded. */
function mergeScan(located: { refs: RefCall[]; sources: SourceCall[] }, scan: ScanResult): void {
  for (const r of scan.refs) if (!located.refs.some((x) => x.name === r.name && x.packageName === r.packageName && x.version === r.version)) located.refs.push(r);
  for (const s of scan.sources) if (!located.sources.some((x) => x.source === s.source && x.table === s.table)) located.sources.push(s);
}

/** Where a scan and a render of the same node disagree (verify mode), or undefined. */
function differs(scan: NodeParse, render: NodeParse): string | undefined {
  const refs = (p: NodeParse): string => [...new Set(p.refs.map((r) => `${r.packageName ?? ''}.${r.name}.v${r.version ?? ''}`))].sort().join(',');
  const sources = (p: NodeParse): string => [...new Set(p.sources.map((s) => `${s.source}.${s.table}`))].sort().join(',');
  const config = (p: NodeParse): string => JSON.stringify(Object.entries(p.call).sort(([a], [b]) => a.localeCompare(b)));
  if (refs(scan) !== refs(render)) return `refs scan=[${refs(scan)}] render=[${refs(render)}]`;
  if (sources(scan) !== sources(render)) return `sources scan=[${sources(scan)}] render=[${sources(render)}]`;
  if (config(scan) !== config(render)) return `config scan=${config(scan)} render=${config(render)}`;
  return undefined;
}

export { pyStr };
