// Python value semantics on plain JS values: None = null, list/tuple = Array (tuples are
// tagged in a WeakSet for repr), dict = plain object, str/int/float/bool = primitives.

export class Kwargs {
  constructor(readonly values: Record<string, unknown>) {}
}

export class MacroReturn {
  constructor(readonly value: unknown) {}
}

/**
 * Marks a host `return(value)` function (dbt's: it throws MacroReturn). A statement that is just
 * such a call (`{% do return(x) %}`, `{{ return(x) }}`) ends its macro without the exception:
 * real projects return tens of thousands of times per parse, and each throw costs microseconds.
 */
export const RETURNS: unique symbol = Symbol('jinja.returns');

/**
 * Globals whose object changes while rendering (a macro sees the context of the node being
 * rendered) may carry this key: a function answering the object to look names up in now. Each
 * lookup then reads a plain object instead of going through a Proxy's traps (read directly,
 * not asked with `in` first: it must not be a Proxy itself).
 */
export const CURRENT_GLOBALS: unique symbol = Symbol('jinja.currentGlobals');

/** `fn` (which must throw MacroReturn with its one positional argument), marked as a return function. */
export function returnFunction<F extends (...args: never[]) => never>(fn: F): F {
  return Object.assign(fn, { [RETURNS]: true });
}

const MISSING: unique symbol = Symbol('missing');

/** jinja2's default Undefined: renders '', iterates empty, is falsy; most other uses raise. */
export class Undefined {
  readonly name: string | number | undefined;
  readonly hint: string | undefined;
  readonly obj: unknown;
  constructor(name?: string | number, hint?: string, obj: unknown = MISSING) {
    this.name = name;
    this.hint = hint;
    this.obj = obj;
  }
  /** The message jinja2 would raise when this value is used in a way that needs a value. */
  get message(): string {
    if (this.hint !== undefined) return this.hint;
    if (this.obj === MISSING) return this.name === undefined ? 'value is undefined' : `${pyStrRepr(String(this.name))} is undefined`;
    if (typeof this.name !== 'string') return `${objectTypeRepr(this.obj)} has no element ${repr(this.name)}`;
    return `${pyStrRepr(objectTypeRepr(this.obj))} has no attribute ${pyStrRepr(this.name)}`;
  }
  toString(): string {
    return '';
  }
  toJSON(): null {
    return null;
  }
}

export const UNDEFINED = new Undefined();

export function isUndefined(v: unknown): v is Undefined {
  return v instanceof Undefined;
}

/** A Python-level exception raised by runtime helpers; the interpreter attaches the span. */
export class PyError {
  constructor(readonly message: string, readonly pyType: string = 'TypeError') {}
  toString(): string {
    return this.message;
  }
}

export function undefinedError(u: Undefined): PyError {
  return new PyError(u.message, 'UndefinedError');
}

/**
 * Host objects that are mappings in Python (dbt's Relation is a dataclass with a dict interface:
 * `relation is mapping` holds and `relation.get('metadata')` works) mark themselves with this.
 */
export const HOST_MAPPING: unique symbol = Symbol('host-mapping');

/**
 * Host objects that are hashable in Python (dbt's Relation, a frozen dataclass) give their key
 * here; as dict keys they are stored under that key and given back as themselves.
 */
export const HOST_KEY: unique symbol = Symbol('host-key');
const hostKeys = new WeakMap<object, Map<string, unknown>>();

/**
 * The str a non-string, hashable key is stored under: Python's equal keys (1, 1.0 and True; 0 and
 * False) share one. The first key written is kept beside it (`dictSetKey`), as Python keeps it.
 */
export function pyKeyStr(k: number | boolean | null | PyFloat): string {
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  return numStr(k instanceof PyFloat ? k.value : k);
}

/**
 * The str `d` holds a key under: a boolean and the number equal to it (True and 1, False and 0)
 * are one key, stored under the form written first (booleans as 'True'/'False', so a dict of
 * booleans keeps its order: JS objects put integer-like keys first).
 */
export function dictKeyIn(d: object, k: unknown): string {
  const key = dictKey(k);
  if (typeof k === 'string' || Object.prototype.hasOwnProperty.call(d, key)) return key;
  const alt = key === 'True' ? '1' : key === 'False' ? '0' : key === '1' ? 'True' : key === '0' ? 'False' : undefined;
  return alt !== undefined && Object.prototype.hasOwnProperty.call(d, alt) ? alt : key;
}

/** Sets `d[key] = value` for any hashable key (host objects, numbers, booleans, None, strings). */
export function dictSetKey(d: Record<string, unknown>, key: unknown, value: unknown): void {
  if (typeof key === 'string') return dictSet(d, key, value);
  const hashed = dictKeyIn(d, key);
  if (!Object.prototype.hasOwnProperty.call(d, hashed)) {
    let keys = hostKeys.get(d);
    if (!keys) hostKeys.set(d, (keys = new Map()));
    keys.set(hashed, key);
  }
  dictSet(d, hashed, value);
}

/** The dict key of a hashable host object, or undefined for anything else. */
export function hostKeyOf(k: unknown): string | undefined {
  const f = typeof k === 'object' && k !== null ? (k as { [HOST_KEY]?: () => string })[HOST_KEY] : undefined;
  return typeof f === 'function' ? `\u0001${f.call(k)}` : undefined;
}

/** Sets `d[key] = value` for a hashable host object `key`. */
export function dictSetHostKey(d: Record<string, unknown>, key: object, hashed: string, value: unknown): void {
  let keys = hostKeys.get(d);
  if (!keys) hostKeys.set(d, (keys = new Map()));
  if (!keys.has(hashed)) keys.set(hashed, key);
  dictSet(d, hashed, value);
}

/** A stored dict key as it was written (a number, boolean, None or host object given back as itself). */
export function dictKeyAsWritten(d: object, stored: string): unknown {
  const host = hostKeys.get(d);
  return host?.has(stored) ? host.get(stored) : stored;
}

/** A dict's keys as Python sees them (host objects given back as themselves). */
export function dictKeys(d: Record<string, unknown>): unknown[] {
  const keys = Object.keys(d);
  const host = hostKeys.get(d);
  return host ? keys.map((k) => (host.has(k) ? host.get(k) : k)) : keys;
}

/** Python's `namespace()` object: attribute bag that `{% set ns.x = ... %}` may write to. */
export class Namespace {
  [key: string]: unknown;
}

/** A lazy `range()`; only materialized when needed. */
export class PyRange {
  readonly length: number;
  constructor(readonly start: number, readonly stop: number, readonly step: number) {
    const n = step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
    this.length = n > 0 ? n : 0;
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
  toArray(): number[] {
    if (this.length > MAX_MATERIALIZE) throw new PyError(`range of ${this.length} items is too large to materialize`, 'OverflowError');
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.start + i * this.step;
    return out;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield this.start + i * this.step;
  }
  toString(): string {
    return this.step === 1 ? `range(${this.start}, ${this.stop})` : `range(${this.start}, ${this.stop}, ${this.step})`;
  }
}

const MAX_MATERIALIZE = 10_000_000;
const SURROGATE = /[\ud800-\udfff]/;

const tuples = new WeakSet<object>();

export function markTuple<T extends unknown[]>(a: T): T {
  tuples.add(a);
  return a;
}

export function isTuple(v: unknown): boolean {
  return typeof v === 'object' && v !== null && tuples.has(v);
}

// ------------------------------------------------------------------ floats

/**
 * A float whose value is integral (0.0, 2.0, 4 / 2): a JS number cannot tell it from an int, and
 * Python prints it with `.0`. Other floats stay plain numbers (not integral, so never mistaken).
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A float result: boxed when integral, so it stays a float. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Whether `v` is a Python float (a boxed integral float or a non-integral number). */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** The result of an arithmetic operator: a float when either operand is one, as in Python. */
function arith(a: unknown, b: unknown, r: number): number | PyFloat {
  return isFloat(a) || isFloat(b) ? pyFloat(r) : r;
}

// ------------------------------------------------------------------ type checks

const ObjectProto = Object.prototype;

/** Plain objects act as Python dicts. */
export function isDict(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === ObjectProto || p === null;
}

export function isMapping(v: unknown): boolean {
  return isDict(v) || v instanceof Map || v instanceof Namespace;
}

export function isCallable(v: unknown): v is (...args: unknown[]) => unknown {
  return typeof v === 'function';
}

export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (v instanceof PyFloat) return 'float';
  switch (typeof v) {
    case 'string': return 'str';
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint': return 'int';
    case 'function': return 'function';
    default: break;
  }
  if (Array.isArray(v)) return tuples.has(v) ? 'tuple' : 'list';
  if (v instanceof Undefined) return 'Undefined';
  if (isDict(v)) return 'dict';
  if (v instanceof Namespace) return 'Namespace';
  if (v instanceof PyRange) return 'range';
  const c = (v as { constructor?: { name?: string } }).constructor;
  return c && typeof c.name === 'string' && c.name ? c.name : 'object';
}

function objectTypeRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  return `${pyTypeName(v)} object`;
}

// ------------------------------------------------------------------ truthiness / str / repr

export function truthy(v: unknown): boolean {
  switch (typeof v) {
    case 'boolean': return v;
    case 'string': return v.length > 0;
    case 'number': return v !== 0;
    case 'undefined': return false;
    case 'object': break;
    default: return true;
  }
  if (v === null) return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Undefined) return false;
  if (isDict(v)) {
    for (const _ in v) return true;
    return false;
  }
  if (v instanceof PyRange) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  return true;
}

/** Python `str(v)`. */
export function toStr(v: unknown): string {
  switch (typeof v) {
    case 'string': return v;
    case 'number': return numStr(v);
    case 'boolean': return v ? 'True' : 'False';
    case 'undefined': return '';
    case 'bigint': return v.toString();
    case 'function': return funcRepr(v as (...a: unknown[]) => unknown);
    case 'symbol': return v.toString();
    default: break;
  }
  if (v === null) return 'None';
  if (v instanceof Undefined) return '';
  return objRepr(v as object, 0);
}

/** Python `repr(v)`. */
export function repr(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof Undefined) return 'Undefined';
  return toStr(v);
}

function reprNested(v: unknown, depth: number): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof Undefined) return 'Undefined';
  if (typeof v === 'object' && v !== null) return objRepr(v, depth);
  return toStr(v);
}

function objRepr(v: object, depth: number): string {
  if (depth > 50) return '...';
  if (Array.isArray(v)) {
    let s = '';
    for (let i = 0; i < v.length; i++) {
      if (i) s += ', ';
      s += reprNested(v[i], depth + 1);
    }
    if (tuples.has(v)) return v.length === 1 ? `(${s},)` : `(${s})`;
    return `[${s}]`;
  }
  if (isDict(v)) return dictRepr(v, depth);
  if (v instanceof Namespace) return `<Namespace ${dictRepr(v as Record<string, unknown>, depth)}>`;
  if (v instanceof Map) {
    let s = '';
    for (const [k, val] of v) s += (s ? ', ' : '') + `${reprNested(k, depth + 1)}: ${reprNested(val, depth + 1)}`;
    return `{${s}}`;
  }
  // Host objects: honour a custom toString (e.g. a relation rendering as "db"."schema"."t").
  const ts = (v as { toString?: unknown }).toString;
  if (typeof ts === 'function' && ts !== ObjectProto.toString) {
    try {
      return String((ts as () => unknown).call(v));
    } catch {
      return `<${pyTypeName(v)} object>`;
    }
  }
  return dictRepr(v as Record<string, unknown>, depth);
}

function dictRepr(v: Record<string, unknown>, depth: number): string {
  let s = '';
  // Keys that are no strings print as Python prints them (`{1: 'a', None: 'b'}`).
  const host = hostKeys.get(v);
  for (const k of Object.keys(v)) {
    if (s) s += ', ';
    s += `${host?.has(k) ? reprNested(host.get(k), depth + 1) : pyStrRepr(k)}: ${reprNested(v[k], depth + 1)}`;
  }
  return `{${s}}`;
}

function funcRepr(f: (...a: unknown[]) => unknown): string {
  const m = (f as { jinjaMacro?: { name: string; anonymous: boolean } }).jinjaMacro;
  if (m) return m.anonymous ? '<Macro anonymous>' : `<Macro ${pyStrRepr(m.name)}>`;
  return `<function ${f.name || '<anonymous>'}>`;
}

const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\uffff\\'"]/;
/** Printable ASCII without backslash or double quote: such a string's repr is itself in quotes. */
const PLAIN_BUT_SINGLE_QUOTES = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

export function pyStrRepr(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `'${s}'`;
  // Python quotes a string holding ' (and no ") with ": `ref('x')` needs no escape then.
  if (!PLAIN_BUT_SINGLE_QUOTES.test(s)) return `"${s}"`;
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c < 0x7f) out += ch;
    else {
      // Keep surrogate pairs together; escape lone surrogates and non-printables.
      const cp = s.codePointAt(i)!;
      const str = String.fromCodePoint(cp);
      if (cp >= 0xd800 && cp <= 0xdfff) out += '\\u' + cp.toString(16).padStart(4, '0');
      else if (c !== 0x20 && NON_PRINTABLE.test(str)) {
        out += cp <= 0xff ? '\\x' + cp.toString(16).padStart(2, '0') : cp <= 0xffff ? '\\u' + cp.toString(16).padStart(4, '0') : '\\U' + cp.toString(16).padStart(8, '0');
      } else out += str;
      if (cp > 0xffff) i++;
    }
  }
  return out + quote;
}

/** Render a number like Python (ints without `.0`, floats via repr). */
export function numStr(n: number): string {
  if (Number.isInteger(n)) {
    if (n < 1e21 && n > -1e21) return n === 0 ? '0' : String(n);
    return BigInt(n).toString();
  }
  return floatRepr(n);
}

/** Python float repr: shortest round-trip digits, scientific outside 1e-4 <= |x| < 1e16. */
export function floatRepr(n: number): string {
  if (n !== n) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n)) {
    if (Math.abs(n) < 1e16) return (n < 0 || Object.is(n, -0) ? '-' : '') + String(Math.abs(n)) + '.0';
  }
  const ex = n.toExponential();
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(ex);
  if (!m) return String(n);
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const e = parseInt(m[4]!, 10);
  if (e >= -5 && e < 16) {
    if (e >= 0) {
      const intPart = digits.length > e + 1 ? digits.slice(0, e + 1) : digits.padEnd(e + 1, '0');
      const frac = digits.slice(e + 1);
      return `${sign}${intPart}.${frac || '0'}`;
    }
    if (e >= -4) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ae = Math.abs(e);
  return `${sign}${mant}e${e < 0 ? '-' : '+'}${ae < 10 ? '0' + ae : ae}`;
}

// ------------------------------------------------------------------ iteration

/** Python `list(v)`: the items iterating `v` yields. Arrays are returned as-is (do not mutate). */
export function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (v instanceof Undefined) return [];
  if (v === null || v === undefined) throw new PyError("'NoneType' object is not iterable");
  if (typeof v !== 'object') {
    throw new PyError(`'${pyTypeName(v)}' object is not iterable`);
  }
  if (isDict(v)) return dictKeys(v);
  if (v instanceof PyRange) return v.toArray();
  if (v instanceof Map) return Array.from(v.keys());
  if (typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') return Array.from(v as Iterable<unknown>);
  return Object.keys(v);
}

export function isIterable(v: unknown): boolean {
  if (typeof v === 'string' || Array.isArray(v) || v instanceof Undefined) return true;
  if (typeof v !== 'object' || v === null) return false;
  return true;
}

export function pyLen(v: unknown): number {
  if (typeof v === 'string') return SURROGATE.test(v) ? Array.from(v).length : v.length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Undefined) return 0;
  if (isDict(v)) return Object.keys(v).length;
  if (v instanceof PyRange) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (typeof v === 'object' && v !== null && typeof (v as { length?: unknown }).length === 'number') return (v as { length: number }).length;
  throw new PyError(`object of type '${pyTypeName(v)}' has no len()`);
}

// ------------------------------------------------------------------ equality and ordering

export function pyEq(a: unknown, b: unknown): boolean {
  if (a instanceof PyFloat) a = a.value;
  if (b instanceof PyFloat) b = b.value;
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'boolean') && (tb === 'number' || tb === 'boolean')) return Number(a) === Number(b);
  if (ta !== 'object' || tb !== 'object' || a === null || b === null) return false;
  if (a instanceof Undefined) return b instanceof Undefined;
  const order = (a as { __order__?: () => unknown }).__order__;
  if (typeof order === 'function' && typeof (b as { __order__?: unknown }).__order__ === 'function' && (a as object).constructor === (b as object).constructor) {
    return pyEq(order.call(a), (b as { __order__: () => unknown }).__order__());
  }
  if (Array.isArray(a)) {
    // A tuple never equals a list in Python.
    if (!Array.isArray(b) || a.length !== b.length || tuples.has(a) !== tuples.has(b)) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !pyEq(a[k], b[k])) return false;
    return true;
  }
  if (a instanceof PyRange && b instanceof PyRange) return a.start === b.start && a.length === b.length && a.step === b.step;
  // Hashable host objects (dbt's Relation dataclass) compare by value.
  const ka = hostKeyOf(a);
  return ka !== undefined && ka === hostKeyOf(b);
}

/** Python ordering; returns <0, 0, >0. Raises TypeError for unorderable types. */
export function pyCompare(a: unknown, b: unknown, op = '<'): number {
  if (a instanceof PyFloat) a = a.value;
  if (b instanceof PyFloat) b = b.value;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'boolean') && (tb === 'number' || tb === 'boolean')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b) && tuples.has(a) === tuples.has(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEq(a[i], b[i])) return pyCompare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  // Host objects ordered by a key (the dbt context's dates and datetimes).
  const ka = a !== null && typeof a === 'object' ? (a as { __order__?: () => unknown }).__order__ : undefined;
  const kb = b !== null && typeof b === 'object' ? (b as { __order__?: () => unknown }).__order__ : undefined;
  if (typeof ka === 'function' && typeof kb === 'function') return pyCompare(ka.call(a), kb.call(b), op);
  throw new PyError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      if (item instanceof Undefined) throw undefinedError(item);
      throw new PyError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (pyEq(container[i], item)) return true;
    return false;
  }
  if (container instanceof Undefined) return false;
  if (container === null || container === undefined) throw new PyError("argument of type 'NoneType' is not iterable");
  if (isDict(container)) {
    if (typeof item === 'string') return Object.prototype.hasOwnProperty.call(container, item);
    if ((Array.isArray(item) && !tuples.has(item)) || isDict(item)) throw new PyError(`unhashable type: '${pyTypeName(item)}'`);
    if (typeof item === 'number' || item instanceof PyFloat || item === null || typeof item === 'boolean') return Object.prototype.hasOwnProperty.call(container, dictKeyIn(container, item));
    return false;
  }
  if (container instanceof PyRange) {
    if (typeof item === 'boolean') item = item ? 1 : 0;
    if (typeof item !== 'number' || !Number.isInteger(item)) return false;
    const off = (item as number) - container.start;
    const idx = off / container.step;
    return Number.isInteger(idx) && idx >= 0 && idx < container.length;
  }
  if (container instanceof Map || container instanceof Set) return container.has(item);
  if (typeof container === 'object') {
    if (container instanceof Namespace) return typeof item === 'string' && Object.prototype.hasOwnProperty.call(container, item);
    if (typeof (container as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
      for (const x of container as Iterable<unknown>) if (pyEq(x, item)) return true;
      return false;
    }
    return typeof item === 'string' && item in container;
  }
  throw new PyError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

// ------------------------------------------------------------------ arithmetic

function checkUndef(a: unknown, b: unknown): void {
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
}

function isNum(v: unknown): v is number | boolean | PyFloat {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}

function opError(op: string, a: unknown, b: unknown): PyError {
  return new PyError(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

export function pyAdd(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) return a + b;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  checkUndef(a, b);
  if (isNum(a) && isNum(b)) return arith(a, b, Number(a) + Number(b));
  if (Array.isArray(a) && Array.isArray(b)) {
    const ta = tuples.has(a);
    if (ta !== tuples.has(b)) throw new PyError(`can only concatenate ${ta ? 'tuple' : 'list'} (not "${pyTypeName(b)}") to ${ta ? 'tuple' : 'list'}`);
    const r = a.concat(b);
    return ta ? markTuple(r) : r;
  }
  const hooked = operatorHook(a, b, '__add__', '__radd__');
  if (hooked !== NO_HOOK) return hooked;
  if (typeof a === 'string' || typeof b === 'string') {
    throw new PyError(typeof a === 'string' ? `can only concatenate str (not "${pyTypeName(b)}") to str` : opError('+', a, b).message);
  }
  throw opError('+', a, b);
}

export function pySub(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) return arith(a, b, Number(a) - Number(b));
  checkUndef(a, b);
  const hooked = operatorHook(a, b, '__sub__');
  if (hooked !== NO_HOOK) return hooked;
  throw opError('-', a, b);
}

const NO_HOOK = Symbol('no operator hook');

/**
 * Host objects (the dbt context's datetimes) define Python's operators as `__add__`/`__sub__`
 * (and `__radd__`) methods; a method returning undefined does not handle that operand.
 */
function operatorHook(a: unknown, b: unknown, method: string, reflected?: string): unknown {
  const own = a !== null && typeof a === 'object' ? (a as Record<string, unknown>)[method] : undefined;
  if (typeof own === 'function') {
    const r = (own as (x: unknown) => unknown).call(a, b);
    if (r !== undefined) return r;
  }
  const other = reflected && b !== null && typeof b === 'object' ? (b as Record<string, unknown>)[reflected] : undefined;
  if (typeof other === 'function') {
    const r = (other as (x: unknown) => unknown).call(b, a);
    if (r !== undefined) return r;
  }
  return NO_HOOK;
}

/** Upper bound on sequences built by `*` (guards memory; the step budget does not see these). */
const MAX_REPEAT_LENGTH = 50_000_000;

function repeat(seq: unknown, n: number): unknown {
  if (!Number.isInteger(n)) throw new PyError(`can't multiply sequence by non-int of type 'float'`);
  const len = (seq as string | unknown[]).length;
  if (n > 0 && len * n > MAX_REPEAT_LENGTH) throw new PyError(`repetition result too large (${len * n} items)`, 'MemoryError');
  if (typeof seq === 'string') return n > 0 ? seq.repeat(n) : '';
  const arr = seq as unknown[];
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) for (const x of arr) out.push(x);
  return tuples.has(arr) ? markTuple(out) : out;
}

export function pyMul(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) return arith(a, b, Number(a) * Number(b));
  checkUndef(a, b);
  if ((typeof a === 'string' || Array.isArray(a)) && isNum(b)) return repeat(a, b instanceof PyFloat ? NaN : Number(b));
  if ((typeof b === 'string' || Array.isArray(b)) && isNum(a)) return repeat(b, a instanceof PyFloat ? NaN : Number(a));
  throw opError('*', a, b);
}

export function pyDiv(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) {
    if (Number(b) === 0) throw new PyError('division by zero', 'ZeroDivisionError');
    // True division always gives a float.
    return pyFloat(Number(a) / Number(b));
  }
  checkUndef(a, b);
  throw opError('/', a, b);
}

export function pyFloorDiv(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) {
    if (Number(b) === 0) throw new PyError('integer division or modulo by zero', 'ZeroDivisionError');
    return arith(a, b, Math.floor(Number(a) / Number(b)));
  }
  checkUndef(a, b);
  throw opError('//', a, b);
}

export function pyMod(a: unknown, b: unknown): unknown {
  if (typeof a === 'string') return percentFormat(a, b);
  if (isNum(a) && isNum(b)) {
    const x = Number(a);
    const y = Number(b);
    if (y === 0) throw new PyError('integer division or modulo by zero', 'ZeroDivisionError');
    const r = x % y;
    return arith(a, b, r !== 0 && (r < 0) !== (y < 0) ? r + y : r);
  }
  checkUndef(a, b);
  throw opError('%', a, b);
}

export function pyPow(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) {
    const x = Number(a);
    const y = Number(b);
    if (x === 0 && y < 0) throw new PyError('0.0 cannot be raised to a negative power', 'ZeroDivisionError');
    // int ** negative int is a float in Python.
    return y < 0 ? pyFloat(Math.pow(x, y)) : arith(a, b, Math.pow(x, y));
  }
  checkUndef(a, b);
  throw opError('** or pow()', a, b);
}

export function pyNeg(a: unknown): unknown {
  if (isNum(a)) return isFloat(a) ? pyFloat(-Number(a)) : -Number(a);
  if (a instanceof Undefined) throw undefinedError(a);
  throw new PyError(`bad operand type for unary -: '${pyTypeName(a)}'`);
}

export function pyPos(a: unknown): unknown {
  if (isNum(a)) return isFloat(a) ? pyFloat(Number(a)) : Number(a);
  if (a instanceof Undefined) throw undefinedError(a);
  throw new PyError(`bad operand type for unary +: '${pyTypeName(a)}'`);
}

/** `x.toFixed(prec)` with Python's tie rule: exact binary halves round to even. */
export function fixedPy(x: number, prec: number): string {
  const js = x.toFixed(prec);
  if (!isFinite(x) || Math.abs(x) >= 1e21 || prec > 60) return js;
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf('.');
  if (!/^50*$/.test(exact.slice(dot + 1 + prec))) return js;
  // Exact tie: JS rounds away from zero, Python to the even neighbour.
  const down = exact.slice(0, prec > 0 ? dot + 1 + prec : dot);
  const last = down.charCodeAt(down.length - 1) - 48;
  return (x < 0 ? '-' : '') + (last % 2 === 0 ? down : incrementDecimal(down));
}

/** Python's round(): round-half-even on the exact binary value. */
export function pyRound(x: number, ndigits = 0): number {
  if (!isFinite(x) || Number.isNaN(x)) return x;
  if (ndigits < 0) {
    const f = Math.pow(10, -ndigits);
    return pyRound(x / f, 0) * f;
  }
  if (ndigits > 20 || Math.abs(x) >= 1e21) return x;
  const neg = x < 0;
  const s = Math.abs(x).toFixed(100);
  const dot = s.indexOf('.');
  const keepLen = dot + (ndigits > 0 ? ndigits + 1 : 0);
  let keep = s.slice(0, keepLen);
  const rest = s.slice(dot + 1 + ndigits);
  const lastDigit = keep.charCodeAt(keep.length - 1) - 48;
  const first = rest.charCodeAt(0) - 48;
  const tail = rest.slice(1);
  const up = first > 5 || (first === 5 && (/[1-9]/.test(tail) || lastDigit % 2 === 1));
  if (up) keep = incrementDecimal(keep);
  const r = parseFloat(keep);
  return neg ? -r : r;
}

function incrementDecimal(s: string): string {
  const chars = s.split('');
  let i = chars.length - 1;
  for (; i >= 0; i--) {
    if (chars[i] === '.') continue;
    if (chars[i] === '9') {
      chars[i] = '0';
    } else {
      chars[i] = String.fromCharCode(chars[i]!.charCodeAt(0) + 1);
      return chars.join('');
    }
  }
  return '1' + chars.join('');
}

// ------------------------------------------------------------------ attribute / item access

/** Python int(): truncating conversion used by several helpers. */
export function toInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (v instanceof PyFloat) return Math.trunc(v.value);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '');
    if (/^[+-]?\d+$/.test(t)) return parseInt(t, 10);
    throw new PyError(`invalid literal for int() with base 10: ${pyStrRepr(v)}`, 'ValueError');
  }
  if (v instanceof Undefined) throw undefinedError(v);
  throw new PyError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
}

function normIndex(i: number, len: number): number {
  return i < 0 ? i + len : i;
}

/** `obj.name`: Python method on builtins, JS property (own or inherited), dict key; else Undefined. */
export function getAttr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (obj === null || obj === undefined) return new Undefined(name, undefined, null);
  const t = typeof obj;
  if (t === 'string') {
    const m = STR_METHODS.get(name);
    return m ? bindMethod(obj, m) : new Undefined(name, undefined, obj);
  }
  if (t !== 'object' && t !== 'function') return new Undefined(name, undefined, obj);
  if (Array.isArray(obj)) {
    const m = LIST_METHODS.get(name);
    if (m) return bindMethod(obj, m);
    // groupby() results expose `.grouper` / `.list` like jinja2's _GroupTuple.
    if ((name === 'grouper' || name === 'list') && Object.prototype.hasOwnProperty.call(obj, name)) {
      return (obj as unknown as Record<string, unknown>)[name];
    }
    return new Undefined(name, undefined, obj);
  }
  if (obj instanceof Map) {
    const m = DICT_METHODS.get(name);
    if (m) return bindMethod(Object.fromEntries(obj), m);
    return obj.has(name) ? fromHost(obj.get(name)) : new Undefined(name, undefined, obj);
  }
  if (obj instanceof PyRange) {
    const m = RANGE_METHODS.get(name);
    if (m) return bindMethod(obj, m);
  }
  const o = obj as Record<string, unknown>;
  if (isDict(o)) {
    const own = Object.prototype.hasOwnProperty.call(o, name);
    if (own && typeof o[name] === 'function') return o[name];
    const m = DICT_METHODS.get(name);
    if (m) return bindMethod(o, m);
    if (own) return fromHost(o[name]);
    return new Undefined(name, undefined, obj);
  }
  if (name in o) {
    const v = o[name];
    // Object.prototype members (toString, constructor, ...) are not Jinja attributes.
    if (v !== undefined && Object.prototype.hasOwnProperty.call(ObjectProto, name) && v === (ObjectProto as Record<string, unknown>)[name]) {
      return new Undefined(name, undefined, obj);
    }
    return fromHost(v);
  }
  return new Undefined(name, undefined, obj);
}

/** Attribute-only lookup (the `attr` filter): dict keys are not attributes. */
export function getAttrOnly(obj: unknown, name: string): unknown {
  if (isDict(obj)) {
    const m = DICT_METHODS.get(name);
    return m ? bindMethod(obj, m) : new Undefined(name, undefined, obj);
  }
  return getAttr(obj, name);
}

/** `obj[key]`: item first, then attribute (jinja2's Environment.getitem). */
export function getItem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (key instanceof Undefined) {
    if (isDict(obj) || Array.isArray(obj) || typeof obj === 'string') throw undefinedError(key);
  }
  if (typeof obj === 'string' && SURROGATE.test(obj)) {
    // Python indexes code points, not UTF-16 units.
    const cps = Array.from(obj);
    const r = getItem(cps, key);
    return r instanceof Undefined ? new Undefined(key as number, undefined, obj) : r;
  }
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key === 'number' || typeof key === 'boolean') {
      const k = Number(key);
      if (Number.isInteger(k)) {
        const len = obj.length;
        const i = normIndex(k, len);
        if (i >= 0 && i < len) return typeof obj === 'string' ? obj[i] : fromHost(obj[i]);
        return new Undefined(k, undefined, obj);
      }
    }
    if (typeof key === 'string') return getAttr(obj, key);
    return new Undefined(key as number, undefined, obj);
  }
  if (obj === null || obj === undefined) return new Undefined(key as string, undefined, null);
  if (typeof obj !== 'object' && typeof obj !== 'function') return new Undefined(key as string, undefined, obj);
  if (obj instanceof PyRange) {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const i = normIndex(key, obj.length);
      if (i >= 0 && i < obj.length) return obj.at(i);
    }
    return new Undefined(key as number, undefined, obj);
  }
  if (obj instanceof Map) return obj.has(key) ? fromHost(obj.get(key)) : new Undefined(key as string, undefined, obj);
  // Non-string keys are stored under their pyKeyStr (dictSetKey): None as 'None', 1 and 1.0 as '1', True as 'True' or '1'.
  const sk = typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'boolean' || key === null || key instanceof PyFloat ? dictKeyIn(obj as object, key) : null;
  if (sk === null) return new Undefined(key as string, undefined, obj);
  const o = obj as Record<string, unknown>;
  if (isDict(o)) {
    if (Object.prototype.hasOwnProperty.call(o, sk)) return fromHost(o[sk]);
    return typeof key === 'string' ? getAttr(o, sk) : new Undefined(key as number, undefined, obj);
  }
  return getAttr(o, sk);
}

/** Python slicing on str / list. */
export function getSlice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  const isStr = typeof obj === 'string';
  let seq: unknown[] | string;
  if (isStr) seq = SURROGATE.test(obj as string) ? Array.from(obj as string) : (obj as string);
  else if (Array.isArray(obj)) seq = obj;
  else if (obj instanceof PyRange) return sliceRange(obj, start, stop, step);
  // jinja2 compiles slices to a direct Python subscript, so non-sequences raise.
  else if (isDict(obj)) throw new PyError("unhashable type: 'slice'");
  else throw new PyError(`'${pyTypeName(obj)}' object is not subscriptable`);
  const len = seq.length;
  const st = step === null || step === undefined || step instanceof Undefined ? 1 : toInt(step);
  if (st === 0) throw new PyError('slice step cannot be zero', 'ValueError');
  const norm = (v: unknown, def: number, lo: number, hi: number): number => {
    if (v === null || v === undefined || v instanceof Undefined) return def;
    let i = toInt(v);
    if (i < 0) i += len;
    return i < lo ? lo : i > hi ? hi : i;
  };
  let out: unknown[] | string;
  if (st > 0) {
    const a = norm(start, 0, 0, len);
    const b = norm(stop, len, 0, len);
    if (st === 1) out = isStr && typeof seq !== 'string' ? seq.slice(a, b).join('') : seq.slice(a, b);
    else {
      const parts: unknown[] = [];
      for (let i = a; i < b; i += st) parts.push(seq[i]);
      out = isStr ? parts.join('') : parts;
    }
  } else {
    const a = norm(start, len - 1, -1, len - 1);
    const b = norm(stop, -1, -1, len - 1);
    const parts: unknown[] = [];
    for (let i = a; i > b; i += st) parts.push(seq[i]);
    out = isStr ? parts.join('') : parts;
  }
  if (!isStr && tuples.has(obj as object)) markTuple(out as unknown[]);
  return out;
}

/** Slicing a range gives a range, like Python. */
function sliceRange(r: PyRange, start: unknown, stop: unknown, step: unknown): PyRange {
  const len = r.length;
  const st = step === null || step === undefined || step instanceof Undefined ? 1 : toInt(step);
  if (st === 0) throw new PyError('slice step cannot be zero', 'ValueError');
  const norm = (v: unknown, def: number, lo: number, hi: number): number => {
    if (v === null || v === undefined || v instanceof Undefined) return def;
    let i = toInt(v);
    if (i < 0) i += len;
    return i < lo ? lo : i > hi ? hi : i;
  };
  const a = st > 0 ? norm(start, 0, 0, len) : norm(start, len - 1, -1, len - 1);
  const b = st > 0 ? norm(stop, len, 0, len) : norm(stop, -1, -1, len - 1);
  return new PyRange(r.start + a * r.step, r.start + b * r.step, r.step * st);
}

/** JS `undefined` from host code means "no value" -> Jinja Undefined. */
export function fromHost(v: unknown): unknown {
  return v === undefined ? UNDEFINED : v;
}

// ------------------------------------------------------------------ calling convention

export type PyArgs = unknown[];
export type PyKw = Record<string, unknown> | null;
type MethodImpl = (self: never, args: PyArgs, kw: PyKw) => unknown;

/** Split a host-convention argument list into positional args and keyword args. */
export function splitArgs(all: unknown[]): { args: unknown[]; kw: PyKw } {
  const last = all[all.length - 1];
  if (last instanceof Kwargs) return { args: all.slice(0, -1), kw: { ...last.values } };
  return { args: all, kw: null };
}

function bindMethod(self: unknown, impl: MethodImpl): (...a: unknown[]) => unknown {
  return (...a: unknown[]) => {
    const { args, kw } = splitArgs(a);
    return impl(self as never, args, kw);
  };
}

/** Call a Python builtin method if `obj` is a str/list/dict with such a method; else NOT_A_METHOD. */
export const NOT_A_METHOD: unique symbol = Symbol('not-a-method');
export function callBuiltinMethod(obj: unknown, name: string, args: PyArgs, kw: PyKw): unknown {
  let impl: MethodImpl | undefined;
  if (typeof obj === 'string') impl = STR_METHODS.get(name);
  else if (Array.isArray(obj)) impl = LIST_METHODS.get(name);
  else if (obj instanceof PyRange) impl = RANGE_METHODS.get(name);
  else if (isDict(obj)) {
    if (Object.prototype.hasOwnProperty.call(obj, name) && typeof obj[name] === 'function') return NOT_A_METHOD;
    impl = DICT_METHODS.get(name);
  } else return NOT_A_METHOD;
  if (!impl) return NOT_A_METHOD;
  return impl(obj as never, args, kw);
}

/** Positional-or-keyword argument lookup for builtin implementations. */
export function arg(args: PyArgs, kw: PyKw, i: number, name: string, def: unknown): unknown {
  if (i < args.length) return args[i];
  if (kw && Object.prototype.hasOwnProperty.call(kw, name)) return kw[name];
  return def;
}

// ------------------------------------------------------------------ str methods

function isPySpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

export function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (chars === null || chars === undefined || chars instanceof Undefined) {
    if (left) while (a < b && isPySpace(s.charCodeAt(a))) a++;
    if (right) while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
  } else {
    const set = String(chars);
    if (left) while (a < b && set.includes(s[a]!)) a++;
    if (right) while (b > a && set.includes(s[b - 1]!)) b--;
  }
  return s.slice(a, b);
}

function splitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && isPySpace(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      let e = n;
      while (e > i && isPySpace(s.charCodeAt(e - 1))) e--;
      out.push(s.slice(i, e));
      return out;
    }
    const st = i;
    while (i < n && !isPySpace(s.charCodeAt(i))) i++;
    out.push(s.slice(st, i));
  }
  return out;
}

export function pySplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (sep === null || sep === undefined || sep instanceof Undefined) return splitWhitespace(s, maxsplit);
  const sp = String(sep);
  if (sp === '') throw new PyError('empty separator', 'ValueError');
  if (maxsplit < 0) return s.split(sp);
  const out: string[] = [];
  let pos = 0;
  while (out.length < maxsplit) {
    const i = s.indexOf(sp, pos);
    if (i < 0) break;
    out.push(s.slice(pos, i));
    pos = i + sp.length;
  }
  out.push(s.slice(pos));
  return out;
}

function pyRsplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (maxsplit < 0) return pySplit(s, sep, -1);
  if (sep === null || sep === undefined || sep instanceof Undefined) {
    const out: string[] = [];
    let i = s.length;
    while (i > 0) {
      while (i > 0 && isPySpace(s.charCodeAt(i - 1))) i--;
      if (i <= 0) break;
      if (out.length >= maxsplit) {
        let b = 0;
        while (b < i && isPySpace(s.charCodeAt(b))) b++;
        out.push(s.slice(b, i));
        return out.reverse();
      }
      const e = i;
      while (i > 0 && !isPySpace(s.charCodeAt(i - 1))) i--;
      out.push(s.slice(i, e));
    }
    return out.reverse();
  }
  const sp = String(sep);
  if (sp === '') throw new PyError('empty separator', 'ValueError');
  const out: string[] = [];
  let end = s.length;
  while (out.length < maxsplit) {
    const i = s.lastIndexOf(sp, end - sp.length);
    if (i < 0 || end - sp.length < 0) break;
    out.push(s.slice(i + sp.length, end));
    end = i;
  }
  out.push(s.slice(0, end));
  return out.reverse();
}

export function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (count === 0) return s;
  if (old === '') {
    const chars = Array.from(s);
    let out = '';
    let n = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (count < 0 || n < count) {
        out += rep;
        n++;
      }
      if (i < chars.length) out += chars[i];
    }
    return out;
  }
  if (count < 0) return s.split(old).join(rep);
  let out = '';
  let pos = 0;
  let n = 0;
  while (n < count) {
    const i = s.indexOf(old, pos);
    if (i < 0) break;
    out += s.slice(pos, i) + rep;
    pos = i + old.length;
    n++;
  }
  return out + s.slice(pos);
}

function isCased(ch: string): boolean {
  return ch.toLowerCase() !== ch.toUpperCase();
}

export function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    if (isCased(ch)) {
      out += prevCased ? ch.toLowerCase() : ch.toUpperCase();
      prevCased = true;
    } else {
      out += ch;
      prevCased = /\p{L}/u.test(ch) && prevCased;
    }
  }
  return out;
}

export function pyCapitalize(s: string): string {
  if (!s) return s;
  const first = String.fromCodePoint(s.codePointAt(0)!);
  return first.toUpperCase() + s.slice(first.length).toLowerCase();
}

function strArg(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) throw undefinedError(v);
  throw new PyError(`${what} must be str, not ${pyTypeName(v)}`);
}

function sliceIdx(s: string, start: unknown, end: unknown): [number, number] {
  const len = s.length;
  let a = start === undefined || start === null ? 0 : toInt(start);
  let b = end === undefined || end === null ? len : toInt(end);
  if (a < 0) a = Math.max(0, a + len);
  if (b < 0) b = Math.max(0, b + len);
  return [Math.min(a, len), Math.min(b, len)];
}

function pyCount(s: string, sub: string, start?: unknown, end?: unknown): number {
  const [a, b] = sliceIdx(s, start, end);
  const t = s.slice(a, b);
  if (sub === '') return t.length + 1;
  let n = 0;
  let pos = 0;
  for (;;) {
    const i = t.indexOf(sub, pos);
    if (i < 0) return n;
    n++;
    pos = i + sub.length;
  }
}

function affixTest(s: string, affix: unknown, start: unknown, end: unknown, suffix: boolean): boolean {
  const [a, b] = sliceIdx(s, start, end);
  const t = s.slice(a, b);
  const one = (x: unknown) => {
    const p = strArg(x, suffix ? 'endswith first arg' : 'startswith first arg');
    return suffix ? t.endsWith(p) : t.startsWith(p);
  };
  if (Array.isArray(affix)) return affix.some(one);
  return one(affix);
}

function pyJustify(s: string, width: unknown, fill: unknown, mode: 'l' | 'r' | 'c'): string {
  const w = toInt(width);
  const f = fill === undefined ? ' ' : strArg(fill, 'fill character');
  const len = Array.from(s).length;
  if (w <= len) return s;
  const pad = w - len;
  if (mode === 'l') return s + f.repeat(pad);
  if (mode === 'r') return f.repeat(pad) + s;
  const left = Math.floor(pad / 2) + (pad & w & 1);
  return f.repeat(left) + s + f.repeat(pad - left);
}

export function pyCenter(s: string, width: unknown, fill?: unknown): string {
  return pyJustify(s, width, fill, 'c');
}

function isAllChars(s: string, re: RegExp): boolean {
  if (s.length === 0) return false;
  for (const ch of s) if (!re.test(ch)) return false;
  return true;
}

export function pySplitlines(s: string, keepends = false): string[] {
  const out: string[] = [];
  const n = s.length;
  let st = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let brk = 0;
    if (c === 13) brk = i + 1 < n && s.charCodeAt(i + 1) === 10 ? 2 : 1;
    else if (c === 10 || c === 11 || c === 12 || c === 28 || c === 29 || c === 30 || c === 0x85 || c === 0x2028 || c === 0x2029) brk = 1;
    if (brk) {
      out.push(s.slice(st, keepends ? i + brk : i));
      i += brk;
      st = i;
    } else i++;
  }
  if (st < n) out.push(s.slice(st));
  return out;
}

const STR_METHODS = new Map<string, MethodImpl>([
  ['upper', (s: string) => s.toUpperCase()],
  ['lower', (s: string) => s.toLowerCase()],
  ['casefold', (s: string) => s.toLowerCase()],
  ['swapcase', (s: string) => Array.from(s).map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')],
  ['strip', (s: string, a, kw) => pyStrip(s, arg(a, kw, 0, 'chars', null), true, true)],
  ['lstrip', (s: string, a, kw) => pyStrip(s, arg(a, kw, 0, 'chars', null), true, false)],
  ['rstrip', (s: string, a, kw) => pyStrip(s, arg(a, kw, 0, 'chars', null), false, true)],
  ['split', (s: string, a, kw) => pySplit(s, arg(a, kw, 0, 'sep', null), toInt(arg(a, kw, 1, 'maxsplit', -1)))],
  ['rsplit', (s: string, a, kw) => pyRsplit(s, arg(a, kw, 0, 'sep', null), toInt(arg(a, kw, 1, 'maxsplit', -1)))],
  ['splitlines', (s: string, a, kw) => pySplitlines(s, truthy(arg(a, kw, 0, 'keepends', false)))],
  ['replace', (s: string, a, kw) => pyReplace(s, strArg(arg(a, kw, 0, 'old', ''), 'replace() argument 1'), strArg(arg(a, kw, 1, 'new', ''), 'replace() argument 2'), toInt(arg(a, kw, 2, 'count', -1)))],
  ['startswith', (s: string, a, kw) => affixTest(s, arg(a, kw, 0, 'prefix', ''), a[1], a[2], false)],
  ['endswith', (s: string, a, kw) => affixTest(s, arg(a, kw, 0, 'suffix', ''), a[1], a[2], true)],
  ['join', (s: string, a) => toList(a[0]).map((x, i) => {
    if (typeof x !== 'string') throw new PyError(`sequence item ${i}: expected str instance, ${pyTypeName(x)} found`);
    return x;
  }).join(s)],
  ['format', (s: string, a, kw) => pyFormat(s, a, kw ?? {})],
  ['format_map', (s: string, a) => pyFormat(s, [], (a[0] ?? {}) as Record<string, unknown>)],
  ['title', (s: string) => pyTitle(s)],
  ['capitalize', (s: string) => pyCapitalize(s)],
  ['find', (s: string, a) => {
    const [st, en] = sliceIdx(s, a[1], a[2]);
    const i = s.slice(0, en).indexOf(strArg(a[0], 'find() argument'), st);
    return i;
  }],
  ['rfind', (s: string, a) => {
    const [st, en] = sliceIdx(s, a[1], a[2]);
    const sub = strArg(a[0], 'rfind() argument');
    const i = s.slice(0, en).lastIndexOf(sub);
    return i >= st ? i : -1;
  }],
  ['index', (s: string, a) => {
    const [st, en] = sliceIdx(s, a[1], a[2]);
    const i = s.slice(0, en).indexOf(strArg(a[0], 'index() argument'), st);
    if (i < 0) throw new PyError('substring not found', 'ValueError');
    return i;
  }],
  ['rindex', (s: string, a) => {
    const i = s.lastIndexOf(strArg(a[0], 'rindex() argument'));
    if (i < 0) throw new PyError('substring not found', 'ValueError');
    return i;
  }],
  ['count', (s: string, a) => pyCount(s, strArg(a[0], 'count() argument'), a[1], a[2])],
  ['isdigit', (s: string) => isAllChars(s, /\p{Nd}/u)],
  ['isdecimal', (s: string) => isAllChars(s, /\p{Nd}/u)],
  ['isnumeric', (s: string) => isAllChars(s, /\p{N}/u)],
  ['isalpha', (s: string) => isAllChars(s, /\p{L}/u)],
  ['isalnum', (s: string) => isAllChars(s, /[\p{L}\p{N}]/u)],
  ['isspace', (s: string) => s.length > 0 && Array.from(s).every((c) => isPySpace(c.charCodeAt(0)))],
  ['islower', (s: string) => /\p{Ll}/u.test(s) && !/[\p{Lu}\p{Lt}]/u.test(s)],
  ['isupper', (s: string) => /\p{Lu}/u.test(s) && !/[\p{Ll}\p{Lt}]/u.test(s)],
  ['istitle', (s: string) => /\p{L}/u.test(s) && pyTitle(s) === s],
  ['isidentifier', (s: string) => /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(s)],
  ['zfill', (s: string, a) => {
    const w = toInt(a[0]);
    if (s.length >= w) return s;
    const sign = s[0] === '+' || s[0] === '-' ? s[0] : '';
    return sign + '0'.repeat(w - s.length) + s.slice(sign.length);
  }],
  ['center', (s: string, a) => pyJustify(s, a[0], a[1], 'c')],
  ['ljust', (s: string, a) => pyJustify(s, a[0], a[1], 'l')],
  ['rjust', (s: string, a) => pyJustify(s, a[0], a[1], 'r')],
  ['partition', (s: string, a) => {
    const sep = strArg(a[0], 'partition() argument');
    const i = s.indexOf(sep);
    return markTuple(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  }],
  ['rpartition', (s: string, a) => {
    const sep = strArg(a[0], 'rpartition() argument');
    const i = s.lastIndexOf(sep);
    return markTuple(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  }],
  ['removeprefix', (s: string, a) => {
    const p = strArg(a[0], 'removeprefix() argument');
    return p && s.startsWith(p) ? s.slice(p.length) : s;
  }],
  ['removesuffix', (s: string, a) => {
    const p = strArg(a[0], 'removesuffix() argument');
    return p && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  }],
  ['expandtabs', (s: string, a) => {
    const size = a.length ? toInt(a[0]) : 8;
    let out = '';
    let col = 0;
    for (const ch of s) {
      if (ch === '\t') {
        const n = size > 0 ? size - (col % size) : 0;
        out += ' '.repeat(n);
        col += n;
      } else {
        out += ch;
        col = ch === '\n' || ch === '\r' ? 0 : col + 1;
      }
    }
    return out;
  }],
]);

// ------------------------------------------------------------------ list methods

function listIndex(l: unknown[], x: unknown): number {
  for (let i = 0; i < l.length; i++) if (pyEq(l[i], x)) return i;
  return -1;
}

function mutable(l: unknown[]): unknown[] {
  if (Object.isFrozen(l) || tuples.has(l)) throw new PyError("'tuple' object has no attribute 'append'", 'AttributeError');
  return l;
}

const LIST_METHODS = new Map<string, MethodImpl>([
  ['append', (l: unknown[], a) => {
    mutable(l).push(a[0]);
    return null;
  }],
  ['extend', (l: unknown[], a) => {
    const m = mutable(l);
    for (const x of toList(a[0])) m.push(x);
    return null;
  }],
  ['pop', (l: unknown[], a) => {
    const m = mutable(l);
    if (m.length === 0) throw new PyError('pop from empty list', 'IndexError');
    const i = a.length ? normIndex(toInt(a[0]), m.length) : m.length - 1;
    if (i < 0 || i >= m.length) throw new PyError('pop index out of range', 'IndexError');
    return m.splice(i, 1)[0];
  }],
  ['insert', (l: unknown[], a) => {
    const m = mutable(l);
    let i = toInt(a[0]);
    if (i < 0) i = Math.max(0, i + m.length);
    m.splice(Math.min(i, m.length), 0, a[1]);
    return null;
  }],
  ['index', (l: unknown[], a) => {
    const i = listIndex(l, a[0]);
    if (i < 0) throw new PyError(`${repr(a[0])} is not in list`, 'ValueError');
    return i;
  }],
  ['count', (l: unknown[], a) => l.filter((x) => pyEq(x, a[0])).length],
  ['remove', (l: unknown[], a) => {
    const m = mutable(l);
    const i = listIndex(m, a[0]);
    if (i < 0) throw new PyError('list.remove(x): x not in list', 'ValueError');
    m.splice(i, 1);
    return null;
  }],
  ['copy', (l: unknown[]) => l.slice()],
  ['clear', (l: unknown[]) => {
    mutable(l).length = 0;
    return null;
  }],
  ['reverse', (l: unknown[]) => {
    mutable(l).reverse();
    return null;
  }],
  ['sort', (l: unknown[], _a, kw) => {
    const m = mutable(l);
    const sorted = stableSort(m, (x, y) => pyCompare(x, y));
    if (kw && truthy(kw['reverse'])) sorted.reverse();
    for (let i = 0; i < m.length; i++) m[i] = sorted[i];
    return null;
  }],
]);

export function stableSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  // Array.prototype.sort is stable in modern engines.
  return items.slice().sort(cmp);
}

const RANGE_METHODS = new Map<string, MethodImpl>([
  ['count', (r: PyRange, a) => (pyContains(r, a[0]) ? 1 : 0)],
  ['index', (r: PyRange, a) => {
    if (!pyContains(r, a[0])) throw new PyError(`${repr(a[0])} is not in range`, 'ValueError');
    return (Number(a[0]) - r.start) / r.step;
  }],
]);

// ------------------------------------------------------------------ dict methods

/** Assign a dict key without triggering the `__proto__` setter. */
export function dictSet(d: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
  else d[key] = value;
}

function dictKey(k: unknown): string {
  if (typeof k === 'string') return k;
  const host = hostKeyOf(k);
  if (host !== undefined) return host;
  // 1 and 1.0 are one key in Python (and True, dictKeyIn).
  if (typeof k === 'number' || typeof k === 'boolean' || k === null || k instanceof PyFloat) return pyKeyStr(k);
  if (k instanceof Undefined) throw undefinedError(k);
  throw new PyError(`unhashable type: '${pyTypeName(k)}'`);
}

export function dictItems(d: Record<string, unknown>): unknown[][] {
  const host = hostKeys.get(d);
  return Object.keys(d).map((k) => markTuple([host?.has(k) ? host.get(k) : k, d[k]]));
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function dictUpdate(d: Record<string, unknown>, a: PyArgs, kw: PyKw): void {
  if (a.length) {
    const src = a[0];
    if (isDict(src) || src instanceof Namespace) {
      // Keys that are no strings stay what they are (hostKeys of the source).
      const host = hostKeys.get(src);
      for (const k of Object.keys(src)) {
        const value = (src as Record<string, unknown>)[k];
        if (host?.has(k)) dictSetKey(d, host.get(k), value);
        else dictSet(d, k, value);
      }
    }
    else if (src instanceof Map) for (const [k, v] of src) dictSetKey(d, k, v);
    else {
      for (const pair of toList(src)) {
        const p = toList(pair);
        if (p.length !== 2) throw new PyError('dictionary update sequence element has wrong length', 'ValueError');
        dictSetKey(d, p[0], p[1]);
      }
    }
  }
  if (kw) for (const k of Object.keys(kw)) dictSet(d, k, kw[k]);
}

/** Raise like Python when a list/dict is used where a hashable value is required. */
export function checkHashable(v: unknown): void {
  if ((Array.isArray(v) && !tuples.has(v)) || isDict(v)) throw new PyError(`unhashable type: '${pyTypeName(v)}'`);
  if (Array.isArray(v)) for (const x of v) checkHashable(x);
}

export function makeDict(a: PyArgs, kw: PyKw): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  dictUpdate(d, a, kw);
  return d;
}

const DICT_METHODS = new Map<string, MethodImpl>([
  ['items', (d: Record<string, unknown>) => dictItems(d)],
  ['keys', (d: Record<string, unknown>) => dictKeys(d)],
  ['values', (d: Record<string, unknown>) => Object.keys(d).map((k) => d[k])],
  ['get', (d: Record<string, unknown>, a, kw) => {
    const k = dictKeyIn(d, a[0]);
    return hasOwn(d, k) ? fromHost(d[k]) : arg(a, kw, 1, 'default', null);
  }],
  ['update', (d: Record<string, unknown>, a, kw) => {
    dictUpdate(d, a, kw);
    return null;
  }],
  ['pop', (d: Record<string, unknown>, a) => {
    const k = dictKeyIn(d, a[0]);
    if (hasOwn(d, k)) {
      const v = d[k];
      delete d[k];
      return v;
    }
    if (a.length > 1) return a[1];
    throw new PyError(repr(a[0]), 'KeyError');
  }],
  ['setdefault', (d: Record<string, unknown>, a) => {
    const k = dictKeyIn(d, a[0]);
    if (!hasOwn(d, k)) dictSetKey(d, a[0], a.length > 1 ? a[1] : null);
    return d[k];
  }],
  ['copy', (d: Record<string, unknown>) => {
    const copy: Record<string, unknown> = {};
    dictUpdate(copy, [d], null);
    return copy;
  }],
  ['clear', (d: Record<string, unknown>) => {
    for (const k of Object.keys(d)) delete d[k];
    return null;
  }],
  ['popitem', (d: Record<string, unknown>) => {
    const ks = Object.keys(d);
    if (!ks.length) throw new PyError("'popitem(): dictionary is empty'", 'KeyError');
    const k = ks[ks.length - 1]!;
    const v = d[k];
    delete d[k];
    return markTuple([k, v]);
  }],
]);

// ------------------------------------------------------------------ formatting

/** Python `str.format`. */
export function pyFormat(fmt: string, args: PyArgs, kw: Record<string, unknown>): string {
  let out = '';
  let auto = 0;
  const n = fmt.length;
  let i = 0;
  while (i < n) {
    const c = fmt[i]!;
    if (c === '{') {
      if (fmt[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      // Find the matching close brace (format specs may nest one level of {}).
      let depth = 1;
      let j = i + 1;
      while (j < n && depth > 0) {
        if (fmt[j] === '{') depth++;
        else if (fmt[j] === '}') depth--;
        if (depth > 0) j++;
      }
      if (j >= n) throw new PyError("Single '{' encountered in format string", 'ValueError');
      const field = fmt.slice(i + 1, j);
      i = j + 1;
      let name = field;
      let conv = '';
      let spec = '';
      const colon = findTopLevel(field, ':');
      if (colon >= 0) {
        spec = field.slice(colon + 1);
        name = field.slice(0, colon);
      }
      const bang = name.indexOf('!');
      if (bang >= 0) {
        conv = name.slice(bang + 1);
        name = name.slice(0, bang);
      }
      // Resolve `name`, `0`, `name.attr`, `name[key]`.
      const m = /^([^.[]*)(.*)$/.exec(name)!;
      let head = m[1]!;
      let value: unknown;
      if (head === '') {
        head = String(auto++);
      }
      if (/^\d+$/.test(head)) {
        const idx = parseInt(head, 10);
        if (idx >= args.length) throw new PyError(`Replacement index ${idx} out of range for positional args tuple`, 'IndexError');
        value = args[idx];
      } else {
        if (!hasOwn(kw, head)) throw new PyError(repr(head), 'KeyError');
        value = kw[head];
      }
      const re = /\.([^.[]+)|\[([^\]]+)\]/g;
      let mm: RegExpExecArray | null;
      while ((mm = re.exec(m[2]!))) {
        if (mm[1] !== undefined) value = getAttr(value, mm[1]);
        else value = getItem(value, /^\d+$/.test(mm[2]!) ? parseInt(mm[2]!, 10) : mm[2]);
      }
      if (conv === 'r') value = repr(value);
      else if (conv === 's') value = toStr(value);
      else if (conv === 'a') value = repr(value);
      // Nested fields inside the spec.
      if (spec.includes('{')) spec = pyFormat(spec, args, kw);
      out += formatSpec(value, spec);
    } else if (c === '}') {
      if (fmt[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw new PyError("Single '}' encountered in format string", 'ValueError');
    } else {
      const next = fmt.indexOf('{', i);
      const next2 = fmt.indexOf('}', i);
      let e = n;
      if (next >= 0) e = next;
      if (next2 >= 0 && next2 < e) e = next2;
      out += fmt.slice(i, e);
      i = e;
    }
  }
  return out;
}

function findTopLevel(s: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

function groupThousands(intPart: string, sep: string): string {
  let out = '';
  let cnt = 0;
  for (let i = intPart.length - 1; i >= 0; i--) {
    out = intPart[i] + out;
    if (++cnt % 3 === 0 && i > 0) out = sep + out;
  }
  return out;
}

function pyExp(n: number, prec: number, upper: boolean): string {
  const s = n.toExponential(prec);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s)!;
  const e = m[3]!.length < 2 ? '0' + m[3] : m[3];
  const r = `${m[1]}e${m[2]}${e}`;
  return upper ? r.toUpperCase() : r;
}

function pyGeneral(n: number, prec: number, upper: boolean, alt: boolean): string {
  if (prec === 0) prec = 1;
  if (n === 0) return alt ? '0.' + '0'.repeat(prec - 1) : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(n.toExponential(prec - 1)))));
  let s: string;
  if (exp >= -4 && exp < prec) {
    s = n.toFixed(Math.max(0, prec - 1 - exp));
    if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
  } else {
    s = pyExp(n, prec - 1, upper);
    if (!alt) s = s.replace(/\.?0+e/, 'e').replace(/\.?0+E/, 'E');
  }
  return s;
}

/** Python's format-spec mini language (the common subset). */
export function formatSpec(value: unknown, spec: string): string {
  if (spec === '') return toStr(value);
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new PyError(`Invalid format specifier '${spec}'`, 'ValueError');
  let fill = m[1] ?? ' ';
  let align = m[2] ?? '';
  const sign = m[3] ?? '-';
  const alt = !!m[4];
  const zero = !!m[5];
  const width = m[6] ? parseInt(m[6], 10) : 0;
  const group = m[7] ?? '';
  const prec = m[8] !== undefined ? parseInt(m[8], 10) : -1;
  let type = m[9] ?? '';
  let body: string;
  let isNumber = false;
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat) {
    const n = Number(value);
    isNumber = true;
    if (type === '') type = Number.isInteger(n) && typeof value !== 'boolean' && !(value instanceof PyFloat) && prec < 0 ? 'd' : prec >= 0 ? 'g' : '';
    const neg = n < 0 || Object.is(n, -0);
    const a = Math.abs(n);
    switch (type) {
      case 'd':
      case 'n':
        if (!Number.isInteger(n)) throw new PyError(`Unknown format code 'd' for object of type 'float'`, 'ValueError');
        body = String(a);
        break;
      case 'f':
      case 'F':
        body = fixedPy(a, prec < 0 ? 6 : prec);
        break;
      case 'e':
      case 'E':
        body = pyExp(a, prec < 0 ? 6 : prec, type === 'E');
        break;
      case 'g':
      case 'G':
        body = pyGeneral(a, prec < 0 ? 6 : prec, type === 'G', alt);
        break;
      case '%':
        body = fixedPy(a * 100, prec < 0 ? 6 : prec) + '%';
        break;
      case 'x': body = (alt ? '0x' : '') + a.toString(16); break;
      case 'X': body = (alt ? '0X' : '') + a.toString(16).toUpperCase(); break;
      case 'o': body = (alt ? '0o' : '') + a.toString(8); break;
      case 'b': body = (alt ? '0b' : '') + a.toString(2); break;
      case 'c': body = String.fromCodePoint(a); break;
      case 's': throw new PyError(`Unknown format code 's' for object of type '${pyTypeName(value)}'`, 'ValueError');
      default:
        body = typeof value === 'boolean' ? toStr(value) : numStr(a);
    }
    if (group) {
      const dot = body.indexOf('.');
      const ip = dot >= 0 ? body.slice(0, dot) : body;
      if (/^\d+$/.test(ip)) body = groupThousands(ip, group) + (dot >= 0 ? body.slice(dot) : '');
    }
    const signStr = neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
    if (zero && !m[2]) {
      fill = '0';
      align = '=';
    }
    if (align === '=') {
      const padLen = width - signStr.length - body.length;
      return signStr + (padLen > 0 ? fill.repeat(padLen) : '') + body;
    }
    body = signStr + body;
  } else {
    if (type !== '' && type !== 's') throw new PyError(`Unknown format code '${type}' for object of type '${pyTypeName(value)}'`, 'ValueError');
    body = toStr(value);
    if (prec >= 0) body = Array.from(body).slice(0, prec).join('');
  }
  const len = Array.from(body).length;
  if (width <= len) return body;
  const pad = width - len;
  if (align === '') align = isNumber ? '>' : '<';
  if (align === '<') return body + fill.repeat(pad);
  if (align === '>') return fill.repeat(pad) + body;
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + body + fill.repeat(pad - left);
}

/** Python printf-style `fmt % values`. */
export function percentFormat(fmt: string, values: unknown): string {
  let args: unknown[];
  let mapping: Record<string, unknown> | null = null;
  // CPython: a non-tuple argument that supports __getitem__ (dict, list, ...) may go unused.
  let lenient = false;
  if (Array.isArray(values) && tuples.has(values)) args = values;
  else {
    args = [values];
    if (isDict(values)) mapping = values;
    lenient = typeof values === 'object' && values !== null;
  }
  let ai = 0;
  let out = '';
  const n = fmt.length;
  let i = 0;
  const next = (): unknown => {
    if (ai >= args.length) throw new PyError('not enough arguments for format string');
    return args[ai++];
  };
  let usedMapping = false;
  while (i < n) {
    const p = fmt.indexOf('%', i);
    if (p < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, p);
    i = p + 1;
    if (i >= n) throw new PyError('incomplete format', 'ValueError');
    let key: string | null = null;
    if (fmt[i] === '(') {
      const close = fmt.indexOf(')', i);
      if (close < 0) throw new PyError('incomplete format key', 'ValueError');
      key = fmt.slice(i + 1, close);
      i = close + 1;
    }
    let flags = '';
    while (i < n && '-+ #0'.includes(fmt[i]!)) flags += fmt[i++];
    let width = 0;
    if (fmt[i] === '*') {
      width = toInt(next());
      i++;
    } else {
      while (i < n && fmt[i]! >= '0' && fmt[i]! <= '9') width = width * 10 + (fmt.charCodeAt(i++) - 48);
    }
    let prec = -1;
    if (fmt[i] === '.') {
      i++;
      prec = 0;
      if (fmt[i] === '*') {
        prec = toInt(next());
        i++;
      } else {
        while (i < n && fmt[i]! >= '0' && fmt[i]! <= '9') prec = prec * 10 + (fmt.charCodeAt(i++) - 48);
      }
    }
    while (i < n && 'hlL'.includes(fmt[i]!)) i++;
    const conv = fmt[i++];
    if (conv === undefined) throw new PyError('incomplete format', 'ValueError');
    if (conv === '%') {
      out += '%';
      continue;
    }
    let v: unknown;
    if (key !== null) {
      if (!mapping) throw new PyError('format requires a mapping');
      if (!hasOwn(mapping, key)) throw new PyError(repr(key), 'KeyError');
      v = mapping[key];
      usedMapping = true;
    } else v = next();
    let body: string;
    let numeric = false;
    let neg = false;
    switch (conv) {
      case 's': body = toStr(v); if (prec >= 0) body = body.slice(0, prec); break;
      case 'r':
      case 'a': body = repr(v); if (prec >= 0) body = body.slice(0, prec); break;
      case 'd':
      case 'i':
      case 'u': {
        const x = numArg(v, conv);
        numeric = true;
        neg = x < 0;
        body = String(Math.abs(Math.trunc(x)));
        if (prec > 0) body = body.padStart(prec, '0');
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        const x = numArg(v, conv);
        numeric = true;
        neg = x < 0;
        const a = Math.abs(x);
        const pr = prec < 0 ? 6 : prec;
        body = conv === 'f' || conv === 'F' ? fixedPy(a, pr) : conv === 'e' || conv === 'E' ? pyExp(a, pr, conv === 'E') : pyGeneral(a, pr, conv === 'G', flags.includes('#'));
        break;
      }
      case 'x':
      case 'X':
      case 'o': {
        const x = Math.trunc(numArg(v, conv));
        numeric = true;
        neg = x < 0;
        body = Math.abs(x).toString(conv === 'o' ? 8 : 16);
        if (conv === 'X') body = body.toUpperCase();
        if (flags.includes('#')) body = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + body;
        break;
      }
      case 'c':
        body = typeof v === 'number' ? String.fromCodePoint(v) : toStr(v);
        break;
      default:
        throw new PyError(`unsupported format character '${conv}' (0x${conv.charCodeAt(0).toString(16)}) at index ${i - 1}`, 'ValueError');
    }
    if (numeric) {
      const signStr = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
      if (flags.includes('0') && !flags.includes('-') && width > signStr.length + body.length) {
        body = signStr + body.padStart(width - signStr.length, '0');
      } else body = signStr + body;
    }
    if (width > body.length) body = flags.includes('-') ? body.padEnd(width) : body.padStart(width);
    out += body;
  }
  if (!usedMapping && ai < args.length && !lenient) {
    throw new PyError('not all arguments converted during string formatting');
  }
  return out;
}

function numArg(v: unknown, conv: string): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Undefined) throw undefinedError(v);
  throw new PyError(`%${conv} format: a real number is required, not ${pyTypeName(v)}`);
}
