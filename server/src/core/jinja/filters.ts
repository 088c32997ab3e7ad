// jinja2's builtin filters and tests (jinja2/filters.py, jinja2/tests.py), reimplemented
// on this engine's value model. Generators in jinja2 (map, select, reverse, ...) return
// lists here.

import {
  arg, checkHashable, HOST_MAPPING, isFloat, pyAdd, pyFloat, PyFloat, dictItems, dictKeyAsWritten, fixedPy, getAttrOnly, getItem, isDict, isMapping, markTuple, Namespace, numStr, percentFormat,
  pyCapitalize, pyCenter, pyCompare, pyContains, pyEq, pyMod, pyLen, pyReplace, pyRound, pySplitlines, pyStrip,
  PyError, PyRange, pyTypeName, repr, stableSort, toList, toStr, truthy, Undefined, undefinedError,
  type PyArgs, type PyKw,
} from './runtime';

export type FilterFn = (value: unknown, args: PyArgs, kw: PyKw) => unknown;
export type TestFn = (value: unknown, args: PyArgs, kw: PyKw) => boolean;

/**
 * What the `random` filter draws from: the `RenderOptions.random` of the render on the call stack
 * (a nested render without one keeps the outer one's). None at all: 0, the first item.
 */
let randomSource: (() => number) | undefined;

/** Makes `next` (when given) the random source; returns the one to restore afterwards. */
export function enterRandomSource(next: (() => number) | undefined): (() => number) | undefined {
  const previous = randomSource;
  if (next) randomSource = next;
  return previous;
}

/** Restores the random source `enterRandomSource` returned. */
export function leaveRandomSource(previous: (() => number) | undefined): void {
  randomSource = previous;
}

export function applyFilter(name: string, value: unknown, args: PyArgs, kw: PyKw): unknown {
  const f = FILTERS.get(name);
  if (!f) throw new PyError(`No filter named '${name}'.`, 'TemplateRuntimeError');
  return f(value, args, kw);
}

export function applyTest(name: string, value: unknown, args: PyArgs, kw: PyKw): boolean {
  const t = TESTS.get(name);
  if (!t) throw new PyError(`No test named '${name}'.`, 'TemplateRuntimeError');
  return t(value, args, kw);
}

// ------------------------------------------------------------------ helpers

function str(v: unknown): string {
  return toStr(v);
}

function ignoreCase(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

type Getter = (item: unknown) => unknown;

function attrParts(attribute: unknown): unknown[] {
  if (attribute === null || attribute === undefined) return [];
  if (typeof attribute === 'string') return attribute.split('.').map((p) => (/^\d+$/.test(p) ? parseInt(p, 10) : p));
  return [attribute];
}

function makeAttrGetter(attribute: unknown, postprocess: ((v: unknown) => unknown) | null = null, def: unknown = null): Getter {
  const parts = attrParts(attribute);
  return (item: unknown) => {
    for (const part of parts) {
      item = getItem(item, part);
      if (def !== null && def !== undefined && item instanceof Undefined) item = def;
    }
    return postprocess ? postprocess(item) : item;
  };
}

function makeMultiAttrGetter(attribute: unknown, postprocess: ((v: unknown) => unknown) | null): Getter {
  const split = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const parts = split.map(attrParts);
  return (item: unknown) =>
    parts.map((ps) => {
      let v = item;
      for (const p of ps) v = getItem(v, p);
      return postprocess ? postprocess(v) : v;
    });
}

function bool(v: unknown): boolean {
  return truthy(v);
}

function num(v: unknown, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Undefined) throw undefinedError(v);
  throw new PyError(`${what}: unsupported operand type '${pyTypeName(v)}'`);
}

export function htmlEscape(s: string): string {
  if (!/[&<>"']/.test(s)) return s;
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&#34;' : '&#39;'));
}

function pyParseInt(s: string, base: number): number | null {
  let t = s.trim();
  let sign = 1;
  if (t[0] === '+' || t[0] === '-') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  const lower = t.toLowerCase();
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
  const pre = lower.slice(0, 2);
  if (prefixes[pre] !== undefined && (base === 0 || base === prefixes[pre])) {
    base = prefixes[pre]!;
    t = t.slice(2);
    if (t.startsWith('_')) t = t.slice(1);
  } else if (base === 0) {
    base = 10;
    if (/^0+[1-9]/.test(t)) return null;
  }
  if (!t || t.startsWith('_') || t.endsWith('_') || t.includes('__')) return null;
  t = t.replace(/_/g, '');
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  for (const ch of t.toLowerCase()) if (!digits.includes(ch)) return null;
  return sign * parseInt(t, base);
}

function pyParseFloat(s: string): number | null {
  const t = s.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?((\d(_?\d)*)(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)(e[+-]?\d(_?\d)*)?$/.test(t)) return null;
  return parseFloat(t.replace(/_/g, ''));
}

function toFloat(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return pyParseFloat(v);
  return null;
}

function jsonDumps(v: unknown, indent: number | string | null, level: number, sortKeys: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') {
    if (v !== v) return 'NaN';
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    return numStr(v);
  }
  if (v instanceof PyFloat) return v.toString();
  if (typeof v === 'string') return jsonString(v);
  if (v instanceof Undefined) throw new PyError('Object of type Undefined is not JSON serializable');
  const ind = indent === null ? null : typeof indent === 'number' ? ' '.repeat(indent) : indent;
  const nl = ind === null ? '' : '\n' + ind.repeat(level + 1);
  const nlEnd = ind === null ? '' : '\n' + ind.repeat(level);
  const sep = ind === null ? ', ' : ',';
  if (Array.isArray(v)) {
    const items = v;
    if (!items.length) return '[]';
    return '[' + nl + items.map((x) => jsonDumps(x, indent, level + 1, sortKeys)).join(sep + nl) + nlEnd + ']';
  }
  if (isDict(v) || v instanceof Namespace) {
    const o = v as Record<string, unknown>;
    let keys = Object.keys(o);
    if (!keys.length) return '{}';
    // Sorted as Python sorts the keys written (numbers by value; a str beside a number is a TypeError).
    if (sortKeys) keys = keys.slice().sort((a, b) => pyCompare(dictKeyAsWritten(o, a), dictKeyAsWritten(o, b)));
    return '{' + nl + keys.map((k) => `${jsonKey(dictKeyAsWritten(o, k), k)}: ${jsonDumps(o[k], indent, level + 1, sortKeys)}`).join(sep + nl) + nlEnd + '}';
  }
  if (typeof v === 'object') {
    const ts = (v as { toJSON?: unknown }).toJSON;
    if (typeof ts === 'function') return jsonDumps((ts as () => unknown).call(v), indent, level, sortKeys);
  }
  throw new PyError(`Object of type ${pyTypeName(v)} is not JSON serializable`);
}

/** A dict key as json.dumps writes it: None, booleans and numbers as their JSON text, in quotes. */
function jsonKey(key: unknown, stored: string): string {
  if (key === null || typeof key === 'boolean' || typeof key === 'number' || key instanceof PyFloat) return `"${jsonDumps(key, null, 0, false)}"`;
  return jsonString(stored);
}

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

function urlQuote(s: string, forQs: boolean): string {
  const bytes = new TextEncoder().encode(s);
  let out = '';
  const safe = forQs ? '' : '/';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || '_.-~'.includes(ch) || safe.includes(ch)) out += ch;
    else if (forQs && b === 32) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function selectOrReject(value: unknown, args: PyArgs, kw: PyKw, keep: boolean, lookupAttr: boolean): unknown[] {
  if (!truthy(value)) return [];
  let trans: Getter = (x) => x;
  let off = 0;
  if (lookupAttr) {
    if (!args.length) throw new PyError('Missing parameter for attribute name', 'FilterArgumentError');
    trans = makeAttrGetter(args[0]);
    off = 1;
  }
  let test: (x: unknown) => boolean;
  if (args.length > off) {
    const name = str(args[off]);
    const rest = args.slice(off + 1);
    test = (x) => applyTest(name, x, rest, kw);
  } else test = bool;
  return toList(value).filter((item) => test(trans(item)) === keep);
}

function minMax(value: unknown, args: PyArgs, kw: PyKw, wantMax: boolean): unknown {
  const items = toList(value);
  if (!items.length) return new Undefined(undefined, 'No aggregated item, sequence was empty.');
  const caseSensitive = truthy(arg(args, kw, 0, 'case_sensitive', false));
  const key = makeAttrGetter(arg(args, kw, 1, 'attribute', null), caseSensitive ? null : ignoreCase);
  let best = items[0];
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i]);
    const c = pyCompare(k, bestKey);
    if (wantMax ? c > 0 : c < 0) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

/** Filters that use str methods on the raw value (indent, wordwrap) fail on non-strings in jinja2. */
function strict(v: unknown, filter: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) throw undefinedError(v);
  throw new PyError(`the ${filter} filter expects a string, got '${pyTypeName(v)}'`);
}

function doIndent(s: unknown, args: PyArgs, kw: PyKw): string {
  const width = arg(args, kw, 0, 'width', 4);
  const first = truthy(arg(args, kw, 1, 'first', false));
  const blank = truthy(arg(args, kw, 2, 'blank', false));
  const indention = typeof width === 'string' ? width : ' '.repeat(num(width));
  let text = strict(s, 'indent') + '\n';
  let rv: string;
  if (blank) {
    rv = pySplitlines(text).join('\n' + indention);
  } else {
    const lines = pySplitlines(text);
    rv = lines.shift() ?? '';
    if (lines.length) rv += '\n' + lines.map((l) => (l ? indention + l : l)).join('\n');
  }
  if (first) rv = indention + rv;
  text = rv;
  return text;
}

function doTruncate(s: unknown, args: PyArgs, kw: PyKw): unknown {
  const length = num(arg(args, kw, 0, 'length', 255));
  const killwords = truthy(arg(args, kw, 1, 'killwords', false));
  const end = str(arg(args, kw, 2, 'end', '...'));
  let leeway = arg(args, kw, 3, 'leeway', null);
  if (leeway === null || leeway === undefined) leeway = 5;
  if (length < end.length) throw new PyError(`expected length >= ${end.length}, got ${length}`, 'AssertionError');
  if (num(leeway) < 0) throw new PyError(`expected leeway >= 0, got ${String(leeway)}`, 'AssertionError');
  if (pyLen(s) <= length + num(leeway)) return s;
  if (typeof s !== 'string') throw new PyError(`truncate() expects a string, got '${pyTypeName(s)}'`);
  const text = s;
  if (killwords) return text.slice(0, length - end.length) + end;
  const cut = text.slice(0, Math.max(0, length - end.length));
  const sp = cut.lastIndexOf(' ');
  return (sp >= 0 ? cut.slice(0, sp) : cut) + end;
}

function doWordwrap(s: unknown, args: PyArgs, kw: PyKw): string {
  const width = num(arg(args, kw, 0, 'width', 79));
  const breakLong = truthy(arg(args, kw, 1, 'break_long_words', true));
  const wrapstring = arg(args, kw, 2, 'wrapstring', null);
  const ws = wrapstring === null || wrapstring === undefined ? '\n' : str(wrapstring);
  return pySplitlines(strict(s, 'wordwrap'))
    .map((line) => {
      const words = line.split(/(\s+)/).filter((w) => w !== '');
      const lines: string[] = [];
      let cur = '';
      for (const w of words) {
        const isSpace = /^\s+$/.test(w);
        if (isSpace) {
          if (cur) cur += w;
          continue;
        }
        let word = w;
        if ((cur + word).length <= width) {
          cur += word;
          continue;
        }
        if (cur.trim()) lines.push(cur.replace(/\s+$/, ''));
        cur = '';
        while (breakLong && word.length > width) {
          lines.push(word.slice(0, width));
          word = word.slice(width);
        }
        cur = word;
      }
      if (cur.trim()) lines.push(cur.replace(/\s+$/, ''));
      return lines.join(ws);
    })
    .join(ws);
}

function doStriptags(v: unknown): string {
  let s = str(v).replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]*>/g, '');
  s = s.split(/\s+/).filter((x) => x).join(' ');
  return s
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#34;/g, '"')
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

function doFilesizeformat(v: unknown, args: PyArgs, kw: PyKw): string {
  const bytes = toFloat(v);
  if (bytes === null) throw new PyError(`could not convert ${pyTypeName(v)} to float`, 'ValueError');
  const binary = truthy(arg(args, kw, 0, 'binary', false));
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = 0;
  let prefix = '';
  for (let i = 0; i < prefixes.length; i++) {
    unit = Math.pow(base, i + 2);
    prefix = prefixes[i]!;
    if (bytes < unit) break;
  }
  return `${fixedPy((base * bytes) / unit, 1)} ${prefix}`;
}

function doGroupby(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  const attribute = arg(args, kw, 0, 'attribute', null);
  const def = arg(args, kw, 1, 'default', null);
  const caseSensitive = truthy(arg(args, kw, 2, 'case_sensitive', false));
  const keyOf = makeAttrGetter(attribute, caseSensitive ? null : ignoreCase, def);
  const realKey = makeAttrGetter(attribute, null, def);
  const items = stableSort(toList(value), (a, b) => pyCompare(keyOf(a), keyOf(b)));
  const out: unknown[] = [];
  let curKey: unknown = undefined;
  let cur: unknown[] | null = null;
  for (const it of items) {
    const k = keyOf(it);
    if (cur && pyEq(k, curKey)) cur.push(it);
    else {
      cur = [it];
      curKey = k;
      out.push(cur);
    }
  }
  return out.map((vals) => {
    const list = vals as unknown[];
    const g = markTuple([caseSensitive ? keyOf(list[0]) : realKey(list[0]), list]);
    Object.defineProperty(g, 'grouper', { value: g[0], enumerable: false });
    Object.defineProperty(g, 'list', { value: list, enumerable: false });
    return g;
  });
}

function doXmlattr(d: unknown, args: PyArgs, kw: PyKw): string {
  if (!isMapping(d)) throw new PyError(`'${pyTypeName(d)}' object has no attribute 'items'`, 'AttributeError');
  const autospace = truthy(arg(args, kw, 0, 'autospace', true));
  const items: string[] = [];
  for (const [k, v] of dictItems(d as Record<string, unknown>) as Array<[string, unknown]>) {
    if (v === null || v instanceof Undefined) continue;
    if (/[\s/>=]/.test(k)) throw new PyError(`Invalid character in attribute name: ${repr(k)}`, 'ValueError');
    items.push(`${htmlEscape(k)}="${htmlEscape(str(v))}"`);
  }
  const rv = items.join(' ');
  return autospace && rv ? ' ' + rv : rv;
}

function doSum(value: unknown, args: PyArgs, kw: PyKw): unknown {
  const attribute = arg(args, kw, 0, 'attribute', null);
  let acc = arg(args, kw, 1, 'start', 0);
  let items = toList(value);
  if (attribute !== null && attribute !== undefined) items = items.map(makeAttrGetter(attribute));
  if (typeof acc === 'string') throw new PyError("sum() can't sum strings [use ''.join(seq) instead]");
  for (const x of items) {
    if (Array.isArray(acc) && Array.isArray(x)) acc = acc.concat(x);
    else if (isNumberValue(acc) && isNumberValue(x)) acc = pyAdd(acc, x);
    else if (x instanceof Undefined) throw undefinedError(x);
    else throw new PyError(`unsupported operand type(s) for +: '${pyTypeName(acc)}' and '${pyTypeName(x)}'`);
  }
  return acc;
}

function doDictsort(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  const caseSensitive = truthy(arg(args, kw, 0, 'case_sensitive', false));
  const by = arg(args, kw, 1, 'by', 'key');
  const reverse = truthy(arg(args, kw, 2, 'reverse', false));
  let pos: number;
  if (by === 'key') pos = 0;
  else if (by === 'value') pos = 1;
  else throw new PyError('You can only sort by either "key" or "value"', 'FilterArgumentError');
  if (!isMapping(value)) throw new PyError(`'${pyTypeName(value)}' object has no attribute 'items'`, 'AttributeError');
  const items = dictItems(value as Record<string, unknown>);
  const key = (it: unknown[]) => (caseSensitive ? it[pos] : ignoreCase(it[pos]));
  const sorted = stableSort(items, (a, b) => pyCompare(key(a), key(b)));
  if (reverse) return stableSort(items, (a, b) => pyCompare(key(b), key(a)));
  return sorted;
}

function doSort(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  const reverse = truthy(arg(args, kw, 0, 'reverse', false));
  const caseSensitive = truthy(arg(args, kw, 1, 'case_sensitive', false));
  const attribute = arg(args, kw, 2, 'attribute', null);
  const items = toList(value);
  const key = makeMultiAttrGetter(attribute, caseSensitive ? null : ignoreCase);
  const keyed = items.map((it) => ({ it, k: key(it) }));
  const sorted = stableSort(keyed, reverse ? (a, b) => pyCompare(b.k, a.k) : (a, b) => pyCompare(a.k, b.k));
  return sorted.map((x) => x.it);
}

function doUnique(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  const caseSensitive = truthy(arg(args, kw, 0, 'case_sensitive', false));
  const key = makeAttrGetter(arg(args, kw, 1, 'attribute', null), caseSensitive ? null : ignoreCase);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const it of toList(value)) {
    const k = key(it);
    checkHashable(k);
    if (!seen.some((s) => pyEq(s, k))) {
      seen.push(k);
      out.push(it);
    }
  }
  return out;
}

function doMap(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  if (!truthy(value)) return [];
  let fn: Getter;
  if (!args.length && kw && Object.prototype.hasOwnProperty.call(kw, 'attribute')) {
    const rest = { ...kw };
    const attribute = rest['attribute'];
    const def = Object.prototype.hasOwnProperty.call(rest, 'default') ? rest['default'] : null;
    delete rest['attribute'];
    delete rest['default'];
    const extra = Object.keys(rest);
    if (extra.length) throw new PyError(`Unexpected keyword argument '${extra[0]}'`, 'FilterArgumentError');
    fn = makeAttrGetter(attribute, null, def);
  } else {
    if (!args.length) throw new PyError('map requires a filter argument', 'FilterArgumentError');
    const name = str(args[0]);
    const rest = args.slice(1);
    fn = (item) => applyFilter(name, item, rest, kw);
  }
  return toList(value).map(fn);
}

function doRound(value: unknown, args: PyArgs, kw: PyKw): number | PyFloat {
  const precision = num(arg(args, kw, 0, 'precision', 0));
  const method = arg(args, kw, 1, 'method', 'common');
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') {
    throw new PyError('method must be common, ceil or floor', 'FilterArgumentError');
  }
  const v = num(value);
  // jinja2's round always gives a float.
  if (method === 'common') return pyFloat(pyRound(v, precision));
  const f = Math.pow(10, precision);
  return pyFloat((method === 'ceil' ? Math.ceil(v * f) : Math.floor(v * f)) / f);
}

function doInt(value: unknown, args: PyArgs, kw: PyKw): unknown {
  // Undefined's __int__ raises (it is not a TypeError the filter would swallow).
  if (value instanceof Undefined) throw undefinedError(value);
  const def = arg(args, kw, 0, 'default', 0);
  const base = num(arg(args, kw, 1, 'base', 10));
  if (typeof value === 'string') {
    const r = pyParseInt(value, base);
    if (r !== null) return r;
    const f = pyParseFloat(value);
    if (f !== null && isFinite(f)) return Math.trunc(f);
    return def;
  }
  if (typeof value === 'number' || value instanceof PyFloat) return isFinite(Number(value)) ? Math.trunc(Number(value)) : def;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return def;
}

function doFloat(value: unknown, args: PyArgs, kw: PyKw): unknown {
  if (value instanceof Undefined) throw undefinedError(value);
  const def = arg(args, kw, 0, 'default', pyFloat(0));
  const f = toFloat(value);
  return f === null ? def : pyFloat(f);
}

function doBatch(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  const count = num(arg(args, kw, 0, 'linecount', 1));
  const fill = arg(args, kw, 1, 'fill_with', null);
  const out: unknown[][] = [];
  let tmp: unknown[] = [];
  for (const it of toList(value)) {
    if (tmp.length === count) {
      out.push(tmp);
      tmp = [];
    }
    tmp.push(it);
  }
  if (tmp.length) {
    if (fill !== null && tmp.length < count) while (tmp.length < count) tmp.push(fill);
    out.push(tmp);
  }
  return out;
}

function doSlice(value: unknown, args: PyArgs, kw: PyKw): unknown[] {
  const slices = num(arg(args, kw, 0, 'slices', 1));
  const fill = arg(args, kw, 1, 'fill_with', null);
  const seq = toList(value);
  const per = Math.floor(seq.length / slices);
  const extra = seq.length % slices;
  let offset = 0;
  const out: unknown[][] = [];
  for (let i = 0; i < slices; i++) {
    const start = offset + i * per;
    if (i < extra) offset++;
    const end = offset + (i + 1) * per;
    const tmp = seq.slice(start, end);
    if (fill !== null && i >= extra) tmp.push(fill);
    out.push(tmp);
  }
  return out;
}

/** A rendered string read back as the Python literal it spells (dbt's native rendering), else the string. */
export function literal(v: unknown): unknown {
  // dbt's as_bool/as_number/as_native: parse Python-ish literals from strings.
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  if (t === 'None' || t === 'none') return null;
  const f = pyParseFloat(t);
  // `4.0` and `1e3` are Python floats (an integral one boxed so it renders `4.0`), `4` an int.
  if (f !== null && t !== '') return /[.eE]/.test(t) && Number.isFinite(f) ? pyFloat(f) : f;
  try {
    return JSON.parse(t.replace(/'/g, '"'));
  } catch {
    return v;
  }
}

export const FILTERS: Map<string, FilterFn> = new Map<string, FilterFn>([
  ['abs', (v) => (isFloat(v) ? pyFloat(Math.abs(num(v))) : Math.abs(num(v, 'bad operand type for abs()')))],
  ['attr', (v, a) => getAttrOnly(v, str(a[0]))],
  ['batch', doBatch],
  ['capitalize', (v) => pyCapitalize(str(v))],
  ['center', (v, a, kw) => pyCenter(str(v), arg(a, kw, 0, 'width', 80))],
  ['count', (v) => pyLen(v)],
  ['default', (v, a, kw) => {
    const def = arg(a, kw, 0, 'default_value', '');
    const boolean = truthy(arg(a, kw, 1, 'boolean', false));
    return v instanceof Undefined || (boolean && !truthy(v)) ? def : v;
  }],
  ['dictsort', doDictsort],
  ['escape', (v) => htmlEscape(str(v))],
  ['filesizeformat', doFilesizeformat],
  ['first', (v) => {
    const items = toList(v);
    return items.length ? items[0] : new Undefined(undefined, 'No first item, sequence was empty.');
  }],
  ['float', doFloat],
  ['forceescape', (v) => htmlEscape(str(v))],
  ['format', (v, a, kw) => {
    if (a.length && kw && Object.keys(kw).length) throw new PyError("can't handle positional and keyword arguments at the same time", 'FilterArgumentError');
    return percentFormat(str(v), kw && Object.keys(kw).length ? kw : markTuple(a.slice()));
  }],
  ['groupby', doGroupby],
  ['indent', doIndent],
  ['int', doInt],
  ['items', (v) => {
    if (v instanceof Undefined) return [];
    if (!isMapping(v)) throw new PyError('Can only get item pairs from a mapping.');
    return dictItems(v instanceof Map ? Object.fromEntries(v) : (v as Record<string, unknown>));
  }],
  ['join', (v, a, kw) => {
    const d = str(arg(a, kw, 0, 'd', ''));
    const attribute = arg(a, kw, 1, 'attribute', null);
    let items = toList(v);
    if (attribute !== null && attribute !== undefined) items = items.map(makeAttrGetter(attribute));
    return items.map(str).join(d);
  }],
  ['last', (v) => {
    const items = toList(v);
    return items.length ? items[items.length - 1] : new Undefined(undefined, 'No last item, sequence was empty.');
  }],
  ['length', (v) => pyLen(v)],
  ['list', (v) => toList(v).slice()],
  ['lower', (v) => str(v).toLowerCase()],
  ['map', doMap],
  ['max', (v, a, kw) => minMax(v, a, kw, true)],
  ['min', (v, a, kw) => minMax(v, a, kw, false)],
  ['pprint', (v) => repr(v)],
  ['random', (v) => {
    const items = toList(v);
    if (!items.length) return new Undefined(undefined, 'No random item, sequence was empty.');
    return items[Math.floor((randomSource?.() ?? 0) * items.length)];
  }],
  ['reject', (v, a, kw) => selectOrReject(v, a, kw, false, false)],
  ['rejectattr', (v, a, kw) => selectOrReject(v, a, kw, false, true)],
  ['replace', (v, a, kw) => {
    const count = arg(a, kw, 2, 'count', null);
    return pyReplace(str(v), str(arg(a, kw, 0, 'old', '')), str(arg(a, kw, 1, 'new', '')), count === null ? -1 : num(count));
  }],
  ['reverse', (v) => {
    if (typeof v === 'string') return Array.from(v).reverse().join('');
    const items = toList(v).slice().reverse();
    return items;
  }],
  ['round', doRound],
  ['safe', (v) => str(v)],
  ['select', (v, a, kw) => selectOrReject(v, a, kw, true, false)],
  ['selectattr', (v, a, kw) => selectOrReject(v, a, kw, true, true)],
  ['slice', doSlice],
  ['sort', doSort],
  ['string', (v) => str(v)],
  ['striptags', doStriptags],
  ['sum', doSum],
  ['title', (v) => {
    // jinja2 capitalizes the first letter of each word split on whitespace and ([{<-.
    const parts = str(v).split(/([-\s({[<]+)/);
    return parts.filter((p) => p).map((p) => {
      const first = String.fromCodePoint(p.codePointAt(0)!);
      return first.toUpperCase() + p.slice(first.length).toLowerCase();
    }).join('');
  }],
  ['tojson', (v, a, kw) => {
    const indent = arg(a, kw, 0, 'indent', null);
    return jsonDumps(v, indent === null ? null : (indent as number | string), 0, true)
      .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
  }],
  ['trim', (v, a, kw) => pyStrip(str(v), arg(a, kw, 0, 'chars', null), true, true)],
  ['truncate', doTruncate],
  ['unique', doUnique],
  ['upper', (v) => str(v).toUpperCase()],
  ['urlencode', (v) => {
    if (typeof v === 'string') return urlQuote(v, false);
    let items: unknown[];
    if (isDict(v)) items = dictItems(v);
    else items = toList(v);
    return items.map((it) => {
      const p = toList(it);
      return `${urlQuote(str(p[0]), true)}=${urlQuote(str(p[1]), true)}`;
    }).join('&');
  }],
  ['wordcount', (v) => (str(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length],
  ['wordwrap', doWordwrap],
  ['xmlattr', doXmlattr],
  // dbt's environment adds these; outside native rendering they are essentially identity.
  ['as_text', (v) => str(v)],
  ['as_bool', (v) => literal(v)],
  ['as_number', (v) => literal(v)],
  ['as_native', (v) => literal(v)],
]);
FILTERS.set('d', FILTERS.get('default')!);
FILTERS.set('e', FILTERS.get('escape')!);

function cmpTest(op: string, pred: (c: number) => boolean): TestFn {
  return (v, a) => pred(pyCompare(v, a[0], op));
}

function isNumberValue(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}

export const TESTS: Map<string, TestFn> = new Map<string, TestFn>([
  ['boolean', (v) => typeof v === 'boolean'],
  // jinja2's Undefined defines __call__ (which raises), so callable() is true for it.
  ['callable', (v) => typeof v === 'function' || v instanceof Undefined],
  ['defined', (v) => !(v instanceof Undefined)],
  // These use Python's `%`, which formats when the value is a string.
  ['divisibleby', (v, a) => pyEq(pyMod(v, a[0]), 0)],
  ['eq', (v, a) => pyEq(v, a[0])],
  ['escaped', () => false],
  ['even', (v) => pyEq(pyMod(v, 2), 0)],
  ['false', (v) => v === false],
  ['filter', (v) => typeof v === 'string' && FILTERS.has(v)],
  ['float', isFloat],
  ['ge', cmpTest('>=', (c) => c >= 0)],
  ['gt', cmpTest('>', (c) => c > 0)],
  ['in', (v, a) => pyContains(a[0], v)],
  ['integer', (v) => typeof v === 'number' && Number.isInteger(v)],
  ['iterable', (v) => typeof v === 'string' || Array.isArray(v) || v instanceof Undefined || (typeof v === 'object' && v !== null && !(v instanceof Namespace))],
  ['le', cmpTest('<=', (c) => c <= 0)],
  ['lower', (v) => {
    const s = str(v);
    return /\p{Ll}/u.test(s) && !/[\p{Lu}\p{Lt}]/u.test(s);
  }],
  ['lt', cmpTest('<', (c) => c < 0)],
  ['mapping', (v) => isDict(v) || v instanceof Map || (typeof v === 'object' && v !== null && (v as { [HOST_MAPPING]?: boolean })[HOST_MAPPING] === true)],
  ['ne', (v, a) => !pyEq(v, a[0])],
  ['none', (v) => v === null],
  ['number', isNumberValue],
  ['odd', (v) => pyEq(pyMod(v, 2), 1)],
  ['sameas', (v, a) => v === a[0] || (v !== v && a[0] !== a[0])],
  ['sequence', (v) => typeof v === 'string' || Array.isArray(v) || v instanceof Undefined || isDict(v) || v instanceof PyRange || v instanceof Map],
  ['string', (v) => typeof v === 'string'],
  ['test', (v) => typeof v === 'string' && TESTS.has(v)],
  ['true', (v) => v === true],
  ['undefined', (v) => v instanceof Undefined],
  ['upper', (v) => {
    const s = str(v);
    return /\p{Lu}/u.test(s) && !/[\p{Ll}\p{Lt}]/u.test(s);
  }],
]);
for (const [alias, name] of [['equalto', 'eq'], ['==', 'eq'], ['!=', 'ne'], ['<', 'lt'], ['lessthan', 'lt'], ['<=', 'le'], ['>', 'gt'], ['greaterthan', 'gt'], ['>=', 'ge']] as const) {
  TESTS.set(alias, TESTS.get(name)!);
}
