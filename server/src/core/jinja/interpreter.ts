// Tree-walking renderer. Scopes follow jinja2: `for` iterations, macros, call/filter/set
// blocks and `with` get their own scope; `if` does not. Names resolve through local scopes,
// then `name in globals` (prototype chains / Proxies work), then builtin globals.

import type * as A from './ast';
import { applyFilter, applyTest, enterRandomSource, leaveRandomSource } from './filters';
import { dataText } from './parser';
import {
  callBuiltinMethod, dictSet, dictSetHostKey, dictSetKey, fromHost, hostKeyOf, getAttr, getItem, getSlice, Kwargs, MacroReturn, RETURNS, CURRENT_GLOBALS,
  makeDict, markTuple, Namespace, NOT_A_METHOD, pyAdd, PyFloat, pyCompare, pyContains, pyDiv, pyEq, pyFloorDiv, PyError,
  pyMod, pyMul, pyNeg, pyPos, pyPow, PyRange, pySub, pyTypeName, splitArgs, toList, toStr, truthy, Undefined,
  undefinedError, type PyKw,
} from './runtime';

export interface ResolvedOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  keepTrailingNewline: boolean;
  maxSteps: number;
  maxOutputLength: number;
  /** Macro calls nested deeper than this fail (Python's recursion limit, before the JS stack's). */
  maxDepth: number;
  /** What the `random` filter draws from; absent: the enclosing render's. */
  random?: () => number;
  /** The template's own top-level text is not built (see RenderOptions.discardOutput). */
  discardOutput: boolean;
}

export interface TraceFrame {
  span: A.Span;
  template: A.TemplateNode;
}

/**
 * A runtime error with the location chain (innermost first) across macro calls. It is an
 * Error so host code calling exported macros gets something conventional.
 */
export class RenderError extends Error {
  readonly frames: TraceFrame[];
  constructor(message: string, span: A.Span, template: A.TemplateNode) {
    super(message);
    this.name = 'JinjaRenderError';
    this.frames = [{ span, template }];
  }
}

/** Step / output / nesting budget shared by everything executed during one top-level render. */
class Budget {
  steps = 0;
  depth = 0;
  constructor(readonly maxSteps: number, readonly maxOutput: number, readonly maxDepth: number) {}
}

/** The budget of the render currently on the (synchronous) call stack, if any. */
let activeBudget: Budget | null = null;

/** The renderer of the outermost template being rendered, and the outermost call it is evaluating. */
let rootRenderer: Renderer | null = null;
let rootCall: A.Span | null = null;

/**
 * Where the outermost template currently is: the span (in `template`) of the outermost call being
 * evaluated there, e.g. `from_a()` while a macro it called runs. Host functions use it to say
 * which text of the rendered file led to them.
 */
export function currentCallSite(): { template: A.TemplateNode; span: A.Span } | null {
  return rootRenderer !== null && rootCall !== null ? { template: rootRenderer.template, span: rootCall } : null;
}

const STATUS_NORMAL = 0;
const STATUS_BREAK = 1;
const STATUS_CONTINUE = 2;
/** A statement-level `return(x)` ended the macro: the value is in `returnValue`. */
const STATUS_RETURN = 3;

/** statementCallee: the statement was a `return(x)` and ended the macro. */
const RETURNED: unique symbol = Symbol('returned');
/** statementCallee: the callee is not a name; evalCallAt evaluates it. */
const NOT_LOOKED_UP: unique symbol = Symbol('not-looked-up');

/** Value of a frame-local name before its assignment: lookups stop here with Undefined. */
const MISSING_VAR: unique symbol = Symbol('missing-var');

/** Variables of one scope; the first two live in fields to avoid a Map per loop iteration. */
class Scope {
  k0: string | null = null;
  v0: unknown = undefined;
  k1: string | null = null;
  v1: unknown = undefined;
  map: Map<string, unknown> | null = null;
  constructor(readonly parent: Scope | null) {}

  get(name: string): unknown {
    if (this.k0 === name) return this.v0;
    if (this.k1 === name) return this.v1;
    if (this.map !== null) return this.map.get(name);
    return undefined;
  }

  set(name: string, value: unknown): void {
    // Scopes never hold JS undefined: absence is signalled by `undefined` from get().
    if (value === undefined) value = new Undefined(name);
    if (this.k0 === null || this.k0 === name) {
      this.k0 = name;
      this.v0 = value;
    } else if (this.k1 === null || this.k1 === name) {
      this.k1 = name;
      this.v1 = value;
    } else (this.map ??= new Map()).set(name, value);
  }

  /** Mark `names` as assigned-later locals of this frame (see scopes.ts). */
  seed(names: readonly string[] | undefined): this {
    if (names !== undefined) for (let i = 0; i < names.length; i++) this.set(names[i]!, MISSING_VAR);
    return this;
  }

  entries(): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [];
    if (this.k0 !== null) out.push([this.k0, this.v0]);
    if (this.k1 !== null) out.push([this.k1, this.v1]);
    if (this.map) for (const e of this.map) out.push(e);
    return out.filter((e) => e[1] !== MISSING_VAR);
  }
}

/** What makeMacro needs: MacroStmt and CallBlockStmt both fit. */
interface MacroDef {
  kind: 'Macro' | 'CallBlock';
  missingAtStart?: string[];
  span: A.Span;
  params: A.Param[];
  body: A.Stmt[];
  usesCaller: boolean;
  usesVarargs: boolean;
  usesKwargs: boolean;
}

export interface MacroMeta {
  name: string;
  /** Call-block bodies are anonymous macros in jinja2 (repr `<Macro anonymous>`). */
  anonymous: boolean;
  def: MacroDef;
  closure: Scope;
  renderer: Renderer;
}

type MacroFunction = ((...args: unknown[]) => unknown) & { jinjaMacro: MacroMeta };

const MISSING = Symbol('missing');
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const ObjectProto = Object.prototype as unknown as Record<string, unknown>;

/** jinja2's `loop` object. */
export class LoopContext {
  index0 = 0;
  readonly #items: unknown[] | PyRange;
  readonly #depth0: number;
  readonly #recurse: ((iterable: unknown) => string) | null;
  #lastChanged: unknown = MISSING;
  constructor(items: unknown[] | PyRange, readonly length: number, depth0: number, recurse: ((iterable: unknown) => string) | null) {
    this.#items = items;
    this.#depth0 = depth0;
    this.#recurse = recurse;
  }
  #at(i: number): unknown {
    const it = this.#items;
    return it instanceof PyRange ? it.at(i) : it[i];
  }
  get index(): number { return this.index0 + 1; }
  get revindex(): number { return this.length - this.index0; }
  get revindex0(): number { return this.length - this.index0 - 1; }
  get first(): boolean { return this.index0 === 0; }
  get last(): boolean { return this.index0 === this.length - 1; }
  get depth(): number { return this.#depth0 + 1; }
  get depth0(): number { return this.#depth0; }
  get previtem(): unknown {
    return this.index0 > 0 ? this.#at(this.index0 - 1) : new Undefined(undefined, 'there is no previous item');
  }
  get nextitem(): unknown {
    return this.index0 < this.length - 1 ? this.#at(this.index0 + 1) : new Undefined(undefined, 'there is no next item');
  }
  cycle(...all: unknown[]): unknown {
    const { args } = splitArgs(all);
    if (!args.length) throw new PyError('no items for cycling given');
    return args[this.index0 % args.length];
  }
  changed(...all: unknown[]): boolean {
    const { args } = splitArgs(all);
    const v = markTuple(args);
    if (this.#lastChanged === MISSING || !pyEq(this.#lastChanged, v)) {
      this.#lastChanged = v;
      return true;
    }
    return false;
  }
  /** `loop(children)` inside a `recursive` loop. */
  callRecursive(iterable: unknown): string {
    if (!this.#recurse) throw new PyError("Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.");
    return this.#recurse(iterable);
  }
  toString(): string {
    return `<LoopContext ${this.index}/${this.length}>`;
  }
}

class Cycler {
  pos = 0;
  constructor(readonly items: unknown[]) {}
  get current(): unknown {
    return this.items[this.pos];
  }
  next(): unknown {
    const r = this.items[this.pos];
    this.pos = (this.pos + 1) % this.items.length;
    return r;
  }
  reset(): null {
    this.pos = 0;
    return null;
  }
}

function toInteger(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v instanceof Undefined) throw undefinedError(v);
  throw new PyError(`'${pyTypeName(v)}' object cannot be interpreted as an integer`);
}

/** Builtin globals (jinja2's DEFAULT_NAMESPACE); host globals take precedence. */
const BUILTIN_GLOBALS = new Map<string, unknown>([
  ['range', (...all: unknown[]) => {
    const { args } = splitArgs(all);
    if (args.length === 0 || args.length > 3) throw new PyError(`range expected at most 3 arguments, got ${args.length}`);
    const a = args.map(toInteger);
    const [start, stop, step] = a.length === 1 ? [0, a[0]!, 1] : [a[0]!, a[1]!, a[2] ?? 1];
    if (step === 0) throw new PyError('range() arg 3 must not be zero', 'ValueError');
    // Lazy like Python's range: loops never materialize it and it renders as `range(a, b)`.
    return new PyRange(start, stop, step);
  }],
  ['dict', (...all: unknown[]) => {
    const { args, kw } = splitArgs(all);
    return makeDict(args, kw);
  }],
  ['namespace', (...all: unknown[]) => {
    const { args, kw } = splitArgs(all);
    const ns = new Namespace();
    const d = makeDict(args, kw);
    for (const k of Object.keys(d)) dictSet(ns as Record<string, unknown>, k, d[k]);
    return ns;
  }],
  ['cycler', (...all: unknown[]) => new Cycler(splitArgs(all).args)],
  ['joiner', (...all: unknown[]) => {
    const { args, kw } = splitArgs(all);
    const sep = args.length ? args[0] : kw && hasOwn(kw, 'sep') ? kw['sep'] : ', ';
    let used = false;
    return () => {
      if (!used) {
        used = true;
        return '';
      }
      return sep;
    };
  }],
]);

function errorMessage(err: unknown): string {
  if (err instanceof PyError) return err.message;
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}

export class Renderer {
  out = '';
  /**
   * True while writing the root template's own top-level text that the caller discards
   * (RenderOptions.discardOutput): writes are dropped. A macro body, a set/filter block and a
   * recursive loop's text are read, so they switch it off while they run.
   */
  private discarding = false;
  /**
   * A call block's non-string result, written into `out`: jinja2 fails only when it joins that
   * output, at the end of the macro or template, so a return() before then leaves no error.
   */
  private pendingJoinError: Error | undefined;
  rootScope: Scope = new Scope(null);
  private readonly wsDefault: boolean;
  /** The globals' CURRENT_GLOBALS function, when they have one. */
  private readonly currentGlobals: (() => object) | null;

  constructor(
    readonly template: A.TemplateNode,
    readonly globals: object,
    readonly opts: ResolvedOptions,
    private readonly budget: Budget,
  ) {
    this.wsDefault = !opts.trimBlocks && !opts.lstripBlocks && !opts.keepTrailingNewline;
    // Asked with `in` first: a proxy is read only for what it says it has.
    const current = CURRENT_GLOBALS in globals ? (globals as { [CURRENT_GLOBALS]?: unknown })[CURRENT_GLOBALS] : undefined;
    this.currentGlobals = typeof current === 'function' ? (current as () => object) : null;
  }

  // ------------------------------------------------------------------ errors

  private fail(message: string, span: A.Span): RenderError {
    return new RenderError(message, span, this.template);
  }

  /** Convert anything thrown while evaluating `span` into a RenderError (control flow passes through). */
  private wrap(err: unknown, span: A.Span): unknown {
    if (err instanceof RenderError || err instanceof MacroReturn) return err;
    return new RenderError(errorMessage(err), span, this.template);
  }

  private currentBudget(): Budget {
    return activeBudget ?? this.budget;
  }

  private write(s: string, span: A.Span): void {
    if (this.discarding) return;
    this.out += s;
    if (this.out.length > this.currentBudget().maxOutput) {
      throw this.fail(`output exceeds the maximum length of ${this.currentBudget().maxOutput} characters`, span);
    }
  }

  private step(span: A.Span): void {
    const b = this.currentBudget();
    if (++b.steps > b.maxSteps) throw this.fail(`maximum number of steps (${b.maxSteps}) exceeded`, span);
  }

  // ------------------------------------------------------------------ names

  lookup(name: string, scope: Scope): unknown {
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      const v = s.get(name);
      if (v !== undefined) return v === MISSING_VAR ? new Undefined(name) : v;
    }
    if (this.currentGlobals !== null) {
      // A plain object (CURRENT_GLOBALS): one walk of its prototype chain for a name it holds, `in` only for an absent value.
      const g = this.currentGlobals() as Record<string, unknown>;
      const v = g[name];
      if (v !== undefined) {
        // Inherited Object.prototype members are not template variables.
        if (!(v === ObjectProto[name] && name in ObjectProto)) return v;
      } else if (name in g) return fromHost(v);
    } else {
      // Asked with `in` first: a proxy is read only for what it says it has.
      const g = this.globals as Record<string, unknown>;
      if (name in g) {
        const v = g[name];
        if (!(v !== undefined && v === ObjectProto[name] && name in ObjectProto)) return fromHost(v);
      }
    }
    const b = BUILTIN_GLOBALS.get(name);
    if (b !== undefined) return b;
    return new Undefined(name);
  }

  // ------------------------------------------------------------------ statements

  execBody(body: readonly A.Stmt[], scope: Scope): number {
    for (let i = 0; i < body.length; i++) {
      const st = body[i]!;
      switch (st.kind) {
        case 'Data':
          this.write(this.wsDefault ? st.text : dataText(st, this.opts.trimBlocks, this.opts.lstripBlocks, this.opts.keepTrailingNewline), st.span);
          break;
        case 'Output': {
          let v: unknown;
          if (st.expr.kind === 'Call') {
            const callee = this.statementCallee(st.expr, scope);
            if (callee === RETURNED) return STATUS_RETURN;
            v = this.evalCallOf(st.expr, scope, callee);
          } else v = this.eval(st.expr, scope);
          // Discarded text needs no str(): toStr never throws and has no effect worth keeping.
          if (!this.discarding) this.write(typeof v === 'string' ? v : toStr(v), st.span);
          break;
        }
        case 'If': {
          const r = this.execIf(st, scope);
          if (r !== STATUS_NORMAL) return r;
          break;
        }
        case 'For':
          if (this.execFor(st, scope, this.eval(st.iter, scope), 0) === STATUS_RETURN) return STATUS_RETURN;
          break;
        case 'Set':
          this.assign(st.target, this.eval(st.value, scope), scope, st.span);
          break;
        case 'SetBlock': {
          const text = this.capture(st.body, new Scope(scope).seed(st.missingAtStart));
          // `{% break %}` inside the block leaves the loop; the captured text is dropped.
          if (this.captureStatus !== STATUS_NORMAL) return this.captureStatus;
          const value = st.filter ? this.evalFilter(st.filter, scope, text) : text;
          this.assign(st.target, value, scope, st.span);
          break;
        }
        case 'Macro':
          scope.set(st.name, this.makeMacro(st, st.name, scope));
          break;
        case 'CallBlock': {
          const caller = this.makeMacro(st, 'caller', scope);
          const v = this.evalCall(st.call, scope, caller);
          // jinja2 emits a call block's result without str(): anything but a string fails
          // when the output is joined (e.g. a macro that `return()`s a list).
          if (typeof v !== 'string') this.pendingJoinError ??= this.fail(`sequence item 0: expected str instance, ${pyTypeName(v)} found`, st.call.span);
          else this.write(v, st.span);
          break;
        }
        case 'FilterBlock': {
          const text = this.capture(st.body, new Scope(scope).seed(st.missingAtStart));
          if (this.captureStatus !== STATUS_NORMAL) return this.captureStatus;
          this.write(toStr(this.evalFilter(st.filter, scope, text)), st.span);
          break;
        }
        case 'With': {
          const inner = new Scope(scope).seed(st.missingAtStart);
          for (let k = 0; k < st.targets.length; k++) this.assign(st.targets[k]!, this.eval(st.values[k]!, scope), inner, st.span);
          const r = this.execBody(st.body, inner);
          if (r !== STATUS_NORMAL) return r;
          break;
        }
        case 'Do':
          if (st.expr.kind === 'Call') {
            const callee = this.statementCallee(st.expr, scope);
            if (callee === RETURNED) return STATUS_RETURN;
            this.evalCallOf(st.expr, scope, callee);
          } else this.eval(st.expr, scope);
          break;
        case 'Block':
          if (st.blockKind === 'snapshot') {
            const r = this.execBody(st.body, scope);
            if (r !== STATUS_NORMAL) return r;
          } else if (this.execBody(st.body, new Scope(st.scoped ? scope : this.rootScope).seed(st.missingAtStart)) === STATUS_RETURN) {
            return STATUS_RETURN;
          }
          break;
        case 'Break':
          return STATUS_BREAK;
        case 'Continue':
          return STATUS_CONTINUE;
        case 'ErrorStmt':
          throw this.fail(st.message, st.span);
      }
    }
    return STATUS_NORMAL;
  }

  /** The value of the statement-level `return(x)` that ended the current macro (STATUS_RETURN). */
  private returnValue: unknown;

  /**
   * `return(x)` as a whole statement, with the host's return function: evaluated as evalCallAt
   * would (the callee, the argument, one step), then the macro ends through STATUS_RETURN instead
   * of a thrown MacroReturn (RETURNED). Any other call of a name: the callee it looked up, for
   * evalCallOf (a name is looked up once per call); else NOT_LOOKED_UP.
   */
  private statementCallee(e: A.CallExpr, scope: Scope): unknown {
    if (e.fn.kind !== 'Name') return NOT_LOOKED_UP;
    let fn: unknown;
    try {
      fn = this.lookup(e.fn.name, scope);
    } catch (err) {
      throw this.wrap(err, e.fn.span);
    }
    if (e.args.length !== 1 || e.kwargs.length !== 0 || e.dynArgs || e.dynKwargs) return fn;
    if (typeof fn !== 'function' || (fn as { [RETURNS]?: boolean })[RETURNS] !== true) return fn;
    const value = this.eval(e.args[0]!, scope);
    this.step(e.span);
    this.returnValue = value;
    return RETURNED;
  }

  /** A call statement's value: `eval` of the call, with its callee already looked up unless NOT_LOOKED_UP. */
  private evalCallOf(e: A.CallExpr, scope: Scope, callee: unknown): unknown {
    try {
      return this.evalCall(e, scope, null, callee);
    } catch (err) {
      throw this.wrap(err, e.span);
    }
  }

  /** Loop-control status of the last capture() (break/continue inside set/filter blocks). */
  private captureStatus = STATUS_NORMAL;

  discardTopLevel(discard: boolean): void {
    this.discarding = discard;
  }

  throwPendingJoinError(): void {
    if (this.pendingJoinError) throw this.pendingJoinError;
  }

  /** Render `body` into a fresh buffer and return the text. */
  private capture(body: readonly A.Stmt[], scope: Scope): string {
    const saved = this.out;
    const savedDiscarding = this.discarding;
    this.out = '';
    this.discarding = false;
    try {
      this.captureStatus = this.execBody(body, scope);
      return this.out;
    } finally {
      this.out = saved;
      this.discarding = savedDiscarding;
    }
  }

  private execIf(st: A.IfStmt, scope: Scope): number {
    if (truthy(this.eval(st.test, scope))) return this.execBody(st.body, scope);
    for (let i = 0; i < st.elifs.length; i++) {
      const e = st.elifs[i]!;
      if (truthy(this.eval(e.test, scope))) return this.execBody(e.body, scope);
    }
    return this.execBody(st.else_, scope);
  }

  /** Runs a loop; STATUS_RETURN when a `return(x)` statement inside it ended the macro, else STATUS_NORMAL. */
  private execFor(st: A.ForStmt, scope: Scope, iterValue: unknown, depth0: number): number {
    let items: unknown[] | null = null;
    let range: PyRange | null = null;
    try {
      if (iterValue instanceof PyRange && st.filter === null) range = iterValue;
      else items = toList(iterValue);
    } catch (err) {
      throw this.wrap(err, st.iter.span);
    }
    if (items !== null && st.filter !== null) {
      const kept: unknown[] = [];
      for (let i = 0; i < items.length; i++) {
        this.step(st.span);
        const s = new Scope(scope).seed(st.bodyMissingAtStart);
        this.assign(st.target, items[i], s, st.span);
        if (truthy(this.eval(st.filter, s))) kept.push(items[i]);
      }
      items = kept;
    }
    const n = range !== null ? range.length : items!.length;
    if (n === 0) {
      if (st.else_.length && this.execBody(st.else_, new Scope(scope).seed(st.elseMissingAtStart)) === STATUS_RETURN) return STATUS_RETURN;
      return STATUS_NORMAL;
    }
    const recurse = st.recursive
      ? (v: unknown) => {
          const saved = this.out;
          const savedDiscarding = this.discarding;
          this.out = '';
          this.discarding = false;
          try {
            // Called from an expression (`loop(children)`): a return inside leaves as the exception.
            if (this.execFor(st, scope, v, depth0 + 1) === STATUS_RETURN) throw new MacroReturn(this.returnValue);
            return this.out;
          } finally {
            this.out = saved;
            this.discarding = savedDiscarding;
          }
        }
      : null;
    const loop = st.usesLoop ? new LoopContext(range ?? items!, n, depth0, recurse) : null;
    const target = st.target;
    const simpleName = target.kind === 'Name' ? target.name : null;
    const budget = this.currentBudget();
    const seed = st.bodyMissingAtStart;
    for (let i = 0; i < n; i++) {
      if (++budget.steps > budget.maxSteps) throw this.fail(`maximum number of steps (${budget.maxSteps}) exceeded`, st.span);
      const item = range !== null ? range.start + i * range.step : items![i];
      const s = new Scope(scope);
      if (seed !== undefined) s.seed(seed);
      if (simpleName !== null) s.set(simpleName, item);
      else this.assign(target, item, s, st.span);
      if (loop !== null) {
        loop.index0 = i;
        s.set('loop', loop);
      }
      const status = this.execBody(st.body, s);
      if (status === STATUS_BREAK) break;
      if (status === STATUS_RETURN) return STATUS_RETURN;
    }
    return STATUS_NORMAL;
  }

  private assign(target: A.Target, value: unknown, scope: Scope, span: A.Span): void {
    switch (target.kind) {
      case 'Name':
        scope.set(target.name, value);
        return;
      case 'Tuple': {
        let items: unknown[];
        try {
          items = toList(value);
        } catch (err) {
          throw this.wrap(err, span);
        }
        const n = target.items.length;
        if (items.length < n) throw this.fail(`not enough values to unpack (expected ${n}, got ${items.length})`, span);
        if (items.length > n) throw this.fail(`too many values to unpack (expected ${n})`, span);
        for (let i = 0; i < n; i++) this.assign(target.items[i] as A.Target, items[i], scope, span);
        return;
      }
      case 'NSRef': {
        const ns = this.lookup(target.name, scope);
        if (!(ns instanceof Namespace)) throw this.fail('cannot assign attribute on non-namespace object', target.span);
        dictSet(ns as Record<string, unknown>, target.attr, value);
        return;
      }
    }
  }

  // ------------------------------------------------------------------ macros

  makeMacro(def: MacroDef, name: string, closure: Scope): MacroFunction {
    const meta: MacroMeta = { name, anonymous: def.kind === 'CallBlock', def, closure, renderer: this };
    const template = this.template;
    // Host entry point: argument-binding errors surface as RenderError, not internal PyError.
    const fn = function jinjaMacro(...all: unknown[]): unknown {
      const { args, kw } = splitArgs(all);
      try {
        return meta.renderer.invokeMacro(meta, args, kw, null);
      } catch (err) {
        if (err instanceof PyError) throw new RenderError(err.message, def.span, template);
        throw err;
      }
    } as MacroFunction;
    Object.defineProperty(fn, 'name', { value: name });
    fn.jinjaMacro = meta;
    return fn;
  }

  /** Bind arguments like jinja2's Macro.__call__ and render the body. */
  invokeMacro(meta: MacroMeta, args: unknown[], kw: PyKw, callSpan: A.Span | null): unknown {
    const def = meta.def;
    // A host calling an exported macro outside of any render gets a fresh budget.
    const ownBudget = activeBudget === null;
    if (ownBudget) activeBudget = new Budget(this.opts.maxSteps, this.opts.maxOutputLength, this.opts.maxDepth);
    const b = activeBudget!;
    b.depth++;
    try {
      if (++b.steps > b.maxSteps) throw this.fail(`maximum number of steps (${b.maxSteps}) exceeded`, callSpan ?? this.template.span);
      if (b.depth > b.maxDepth) throw this.fail(`maximum recursion depth exceeded: macro '${meta.name}' is nested ${b.maxDepth} calls deep`, callSpan ?? this.template.span);
      const scope = new Scope(meta.closure).seed(def.missingAtStart);
      const params = def.params;
      const nParams = params.length;
      const nArgs = args.length;
      let consumed: Set<string> | null = null;
      let foundCaller = false;
      const missing: A.Param[] = [];
      for (let i = 0; i < nParams; i++) {
        const p = params[i]!;
        if (i < nArgs) {
          scope.set(p.name, args[i]);
          if (p.name === 'caller') foundCaller = true;
          continue;
        }
        if (p.name === 'caller') foundCaller = true;
        if (kw !== null && hasOwn(kw, p.name)) {
          scope.set(p.name, kw[p.name]);
          (consumed ??= new Set()).add(p.name);
        } else {
          missing.push(p);
        }
      }
      for (const p of missing) {
        const v = p.default ? this.eval(p.default, scope) : new Undefined(p.name, `parameter '${p.name}' was not provided`);
        scope.set(p.name, v);
      }
      if (def.usesCaller && !foundCaller) {
        let c: unknown = null;
        if (kw !== null && hasOwn(kw, 'caller')) {
          c = kw['caller'];
          (consumed ??= new Set()).add('caller');
        }
        scope.set('caller', c === null || c === undefined ? new Undefined('caller', 'No caller defined') : c);
      }
      let extra: Record<string, unknown> | null = null;
      if (kw !== null) {
        for (const k of Object.keys(kw)) {
          if (consumed !== null && consumed.has(k)) continue;
          (extra ??= {})[k] = kw[k];
        }
      }
      if (def.usesKwargs) scope.set('kwargs', extra ?? {});
      else if (extra !== null) {
        const first = Object.keys(extra)[0]!;
        if ('caller' in extra) throw new PyError(`macro '${meta.name}' was invoked with two values for the special caller argument. This is most likely a bug.`);
        throw new PyError(`macro '${meta.name}' takes no keyword argument '${first}'`);
      }
      if (def.usesVarargs) scope.set('varargs', markTuple(nArgs > nParams ? args.slice(nParams) : []));
      else if (nArgs > nParams) throw new PyError(`macro '${meta.name}' takes not more than ${nParams} argument(s)`);

      const saved = this.out;
      const savedPending = this.pendingJoinError;
      const savedDiscarding = this.discarding;
      this.out = '';
      this.pendingJoinError = undefined;
      this.discarding = false;
      try {
        if (this.execBody(def.body, scope) === STATUS_RETURN) {
          // dbt catches return() at its macros; a call block's body (jinja's anonymous `caller`) passes it on.
          if (meta.anonymous) throw new MacroReturn(this.returnValue);
          return fromHost(this.returnValue);
        }
        if (this.pendingJoinError) throw this.pendingJoinError;
        return this.out;
      } catch (err) {
        // dbt catches return() at its macros; a call block's body (jinja's anonymous `caller`) passes it on.
        if (err instanceof MacroReturn && !meta.anonymous) return fromHost(err.value);
        throw err;
      } finally {
        this.out = saved;
        this.pendingJoinError = savedPending;
        this.discarding = savedDiscarding;
      }
    } finally {
      b.depth--;
      if (ownBudget) activeBudget = null;
    }
  }

  // ------------------------------------------------------------------ expressions

  eval(e: A.Expr, scope: Scope): unknown {
    try {
      switch (e.kind) {
        case 'Const':
          return e.value;
        case 'Name':
          return this.lookup(e.name, scope);
        case 'Getattr':
          return getAttr(this.eval(e.obj, scope), e.attr);
        case 'Getitem': {
          const obj = this.eval(e.obj, scope);
          const idx = e.index;
          if (idx.kind === 'Slice') {
            return getSlice(
              obj,
              idx.start ? this.eval(idx.start, scope) : null,
              idx.stop ? this.eval(idx.stop, scope) : null,
              idx.step ? this.eval(idx.step, scope) : null,
            );
          }
          return getItem(obj, this.eval(idx, scope));
        }
        case 'Call':
          return this.evalCall(e, scope, null);
        case 'Filter':
          return this.evalFilter(e, scope, null);
        case 'Test': {
          const value = this.eval(e.node, scope);
          const { args, kw } = this.evalArgs(e, scope);
          return applyTest(e.name, value, args, kw);
        }
        case 'BinOp': {
          const l = this.eval(e.left, scope);
          const r = this.eval(e.right, scope);
          switch (e.op) {
            case '+': return pyAdd(l, r);
            case '-': return pySub(l, r);
            case '*': return pyMul(l, r);
            case '/': return pyDiv(l, r);
            case '//': return pyFloorDiv(l, r);
            case '%': return pyMod(l, r);
            case '**': return pyPow(l, r);
          }
          break;
        }
        case 'Unary': {
          const v = this.eval(e.operand, scope);
          if (e.op === 'not') return !truthy(v);
          return e.op === '-' ? pyNeg(v) : pyPos(v);
        }
        case 'And': {
          const l = this.eval(e.left, scope);
          return truthy(l) ? this.eval(e.right, scope) : l;
        }
        case 'Or': {
          const l = this.eval(e.left, scope);
          return truthy(l) ? l : this.eval(e.right, scope);
        }
        case 'Compare': {
          let left = this.eval(e.expr, scope);
          for (let i = 0; i < e.ops.length; i++) {
            const o = e.ops[i]!;
            const right = this.eval(o.expr, scope);
            if (!compare(o.op, left, right)) return false;
            left = right;
          }
          return true;
        }
        case 'Concat': {
          let s = '';
          for (let i = 0; i < e.nodes.length; i++) {
            const v = this.eval(e.nodes[i]!, scope);
            s += typeof v === 'string' ? v : toStr(v);
          }
          return s;
        }
        case 'CondExpr':
          if (truthy(this.eval(e.test, scope))) return this.eval(e.expr1, scope);
          if (e.expr2) return this.eval(e.expr2, scope);
          return new Undefined(undefined, 'the inline if-expression evaluated to false and no else section was defined.');
        case 'List': {
          const out = new Array<unknown>(e.items.length);
          for (let i = 0; i < e.items.length; i++) out[i] = this.eval(e.items[i]!, scope);
          return out;
        }
        case 'Tuple': {
          const out = new Array<unknown>(e.items.length);
          for (let i = 0; i < e.items.length; i++) out[i] = this.eval(e.items[i]!, scope);
          return markTuple(out);
        }
        case 'Dict': {
          const d: Record<string, unknown> = {};
          for (const it of e.items) {
            const k = this.eval(it.key, scope);
            if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean' && k !== null && !(k instanceof PyFloat)) {
              if (k instanceof Undefined) throw undefinedError(k);
              const hashed = hostKeyOf(k);
              if (hashed === undefined) throw new PyError(`unhashable type: '${pyTypeName(k)}'`);
              dictSetHostKey(d, k as object, hashed, this.eval(it.value, scope));
              continue;
            }
            // 1, 1.0 and True are one key in Python, which keeps the first written (dictSetKey).
            if (typeof k === 'string') dictSet(d, k, this.eval(it.value, scope));
            else dictSetKey(d, k, this.eval(it.value, scope));
          }
          return d;
        }
        case 'Slice':
          throw new PyError('slice outside of a subscript');
        case 'NSRef':
          return getAttr(this.lookup(e.name, scope), e.attr);
        case 'Error':
          throw new PyError(e.message, 'TemplateSyntaxError');
      }
      return undefined;
    } catch (err) {
      throw this.wrap(err, e.span);
    }
  }

  private evalArgs(a: A.CallArgs, scope: Scope): { args: unknown[]; kw: PyKw } {
    let args: unknown[];
    const n = a.args.length;
    args = new Array<unknown>(n);
    for (let i = 0; i < n; i++) args[i] = this.eval(a.args[i]!, scope);
    if (a.dynArgs) args = args.concat(toList(this.eval(a.dynArgs, scope)));
    let kw: PyKw = null;
    if (a.kwargs.length) {
      kw = {};
      for (const k of a.kwargs) dictSet(kw, k.name, this.eval(k.value, scope));
    }
    if (a.dynKwargs) {
      const d = this.eval(a.dynKwargs, scope);
      if (d instanceof Undefined) throw undefinedError(d);
      if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new PyError(`argument after ** must be a mapping, not ${pyTypeName(d)}`);
      kw ??= {};
      const src = d instanceof Map ? Object.fromEntries(d) : (d as Record<string, unknown>);
      for (const k of Object.keys(src)) dictSet(kw, k, src[k]);
    }
    return { args, kw };
  }

  /** Apply a filter chain; `blockValue` replaces the innermost null node (filter/set blocks). */
  private evalFilter(e: A.FilterExpr, scope: Scope, blockValue: unknown): unknown {
    try {
      let value: unknown;
      if (e.node === null) value = blockValue;
      else if (e.node.kind === 'Filter' && blockValue !== null) value = this.evalFilter(e.node, scope, blockValue);
      else value = this.eval(e.node, scope);
      const { args, kw } = this.evalArgs(e, scope);
      return applyFilter(e.name, value, args, kw);
    } catch (err) {
      throw this.wrap(err, e.span);
    }
  }

  private evalCall(e: A.CallExpr, scope: Scope, caller: MacroFunction | null, callee: unknown = NOT_LOOKED_UP): unknown {
    if (this !== rootRenderer || rootCall !== null) return this.evalCallAt(e, scope, caller, callee);
    rootCall = e.span;
    try {
      return this.evalCallAt(e, scope, caller, callee);
    } finally {
      rootCall = null;
    }
  }

  private evalCallAt(e: A.CallExpr, scope: Scope, caller: MacroFunction | null, looked: unknown): unknown {
    let fn: unknown;
    let thisArg: unknown;
    let args: unknown[];
    let kw: PyKw;
    const callee = e.fn;
    if (callee.kind === 'Getattr') {
      const obj = this.eval(callee.obj, scope);
      ({ args, kw } = this.evalArgs(e, scope));
      if (caller) (kw ??= {})['caller'] = caller;
      if (obj instanceof Undefined) throw undefinedError(obj);
      const r = callBuiltinMethod(obj, callee.attr, args, kw);
      if (r !== NOT_A_METHOD) {
        this.step(e.span);
        return r;
      }
      fn = getAttr(obj, callee.attr);
      thisArg = obj;
    } else {
      fn = looked !== NOT_LOOKED_UP ? looked : this.eval(callee, scope);
      ({ args, kw } = this.evalArgs(e, scope));
      if (caller) (kw ??= {})['caller'] = caller;
      thisArg = undefined;
    }
    this.step(e.span);
    try {
      if (typeof fn === 'function') {
        const meta = (fn as Partial<MacroFunction>).jinjaMacro;
        if (meta !== undefined) return meta.renderer.invokeMacro(meta, args, kw, e.span);
        if (kw !== null) args.push(new Kwargs(kw));
        return fromHost((fn as (...a: unknown[]) => unknown).apply(thisArg, args));
      }
      if (fn instanceof LoopContext) return fn.callRecursive(args[0]);
    } catch (err) {
      if (err instanceof RenderError) {
        err.frames.push({ span: e.span, template: this.template });
        throw err;
      }
      throw this.wrap(err, e.span);
    }
    if (fn instanceof Undefined) throw undefinedError(fn);
    throw new PyError(`'${pyTypeName(fn)}' object is not callable`);
  }
}

function compare(op: A.CompareOp, l: unknown, r: unknown): boolean {
  switch (op) {
    case '==': return pyEq(l, r);
    case '!=': return !pyEq(l, r);
    case '<': return pyCompare(l, r, '<') < 0;
    case '<=': return pyCompare(l, r, '<=') <= 0;
    case '>': return pyCompare(l, r, '>') > 0;
    case '>=': return pyCompare(l, r, '>=') >= 0;
    case 'in': return pyContains(r, l);
    case 'notin': return !pyContains(r, l);
  }
}

// ------------------------------------------------------------------ entry point

export interface RenderErrorInfo {
  message: string;
  span: A.Span;
  /** Call sites in this template enclosing the error location (innermost first). */
  stack?: A.Span[];
  /** Full location chain across templates, innermost first. */
  trace?: TraceFrame[];
}

export interface RenderOutput {
  output: string;
  error?: RenderErrorInfo;
  exports: Record<string, unknown>;
}

export function renderTemplate(template: A.TemplateNode, globals: object, opts: ResolvedOptions): RenderOutput {
  const budget = new Budget(opts.maxSteps, opts.maxOutputLength, opts.maxDepth);
  const prev = activeBudget;
  const prevRoot = rootRenderer;
  const prevCall = rootCall;
  activeBudget = budget;
  const prevRandom = enterRandomSource(opts.random);
  const safeGlobals = typeof globals === 'object' && globals !== null ? globals : {};
  const r = new Renderer(template, safeGlobals, opts, budget);
  rootRenderer = r;
  rootCall = null;
  r.rootScope.seed(template.missingAtStart);
  r.discardTopLevel(opts.discardOutput);
  let error: RenderErrorInfo | undefined;
  try {
    // A `return(x)` statement outside any macro: the same error as the thrown MacroReturn gives.
    if (r.execBody(template.body, r.rootScope) === STATUS_RETURN) throw new MacroReturn(undefined);
    r.throwPendingJoinError();
  } catch (err) {
    error = toErrorInfo(err, template);
  } finally {
    activeBudget = prev;
    leaveRandomSource(prevRandom);
    rootRenderer = prevRoot;
    rootCall = prevCall;
  }
  const exports: Record<string, unknown> = {};
  for (const [k, v] of r.rootScope.entries()) dictSet(exports, k, v);
  const result: RenderOutput = { output: r.out, exports };
  if (error) result.error = error;
  return result;
}

function toErrorInfo(err: unknown, template: A.TemplateNode): RenderErrorInfo {
  if (err instanceof RenderError) {
    const frames = err.frames;
    let idx = frames.findIndex((f) => f.template === template);
    if (idx < 0) idx = frames.length - 1;
    const info: RenderErrorInfo = { message: err.message, span: frames[idx]!.span, trace: frames.slice() };
    const outer = frames.slice(idx + 1).filter((f) => f.template === template).map((f) => f.span);
    if (outer.length) info.stack = outer;
    return info;
  }
  if (err instanceof MacroReturn) return { message: 'return() was called outside of a macro', span: { start: 0, end: 0 } };
  return { message: errorMessage(err), span: { start: 0, end: 0 } };
}
