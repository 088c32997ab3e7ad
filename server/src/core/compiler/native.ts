/**
 * dbt's native rendering of a yml value (`get_rendered(..., native=True)`: Jinja's
 * NativeCodeGenerator and dbt_common's `quoted_native_concat`), read from the template's shape:
 *
 * - the template's output is a list of nodes: each run of text and constant expressions is one
 *   text node (Jinja folds `{{ 5 }}` and `{{ 'a' ~ 'b' }}` into text at compile time), each other
 *   `{{ expression }}` a node holding its value;
 * - no node: `''`; two or more: their text joined;
 * - one node: an `as_bool`/`as_number`/`as_native` marker is read as a Python literal (and must
 *   be a bool / number), `as_text` is text; any other value comes back as it is: text stays text
 *   (`"123"`, `"{{ '123' }}"`, `"{{ 5 }}"` are strings), `"{{ var('n') }}"` keeps n's type.
 *
 * Templates with control flow around their output (`{% if %}...{% endif %}`, `{% for %}`) yield
 * the nodes their render reaches: the template is rendered with each node recorded (`countedSource`)
 * and the same rules apply (one text node is text as written: `{% if x %}42{% endif %}` is '42';
 * a loop's several nodes are their text joined). Where a marker is used inside a larger
 * expression, or a block the recording does not follow (`{% call %}`, `{% filter %}`), the text is
 * read back as a literal.
 */
import type * as A from '../jinja/ast';
import { isUndefined } from '../jinja';
import { literal } from '../jinja/filters';
import { PyFloat } from '../jinja/runtime';

/** What dbt's native render of a template returns, in terms of what to compute. */
export type NativeShape =
  | { kind: 'text' }
  | { kind: 'empty' }
  | { kind: 'marker'; marker: 'bool' | 'number' | 'native' | 'text' }
  | { kind: 'value'; output: A.OutputStmt }
  | { kind: 'dynamic' };

/** Filters Jinja never folds at compile time: context filters, and dbt's markers (no safe repr). */
const UNFOLDED_FILTERS = new Set(['map', 'select', 'reject', 'selectattr', 'rejectattr', 'random', 'as_bool', 'as_number', 'as_native', 'as_text']);

/** Jinja's `as_const`: an expression computed at compile time (literals and pure operations on them; never a call in the sandbox). */
export function isConstExpr(e: A.Expr | null): boolean {
  if (!e) return true;
  switch (e.kind) {
    case 'Const':
      return true;
    case 'List':
    case 'Tuple':
      return e.items.every(isConstExpr);
    case 'Dict':
      return e.items.every((i) => isConstExpr(i.key) && isConstExpr(i.value));
    case 'BinOp':
    case 'And':
    case 'Or':
      return isConstExpr(e.left) && isConstExpr(e.right);
    case 'Unary':
      return isConstExpr(e.operand);
    case 'Concat':
      return e.nodes.every(isConstExpr);
    case 'Compare':
      return isConstExpr(e.expr) && e.ops.every((o) => isConstExpr(o.expr));
    case 'CondExpr':
      return isConstExpr(e.test) && isConstExpr(e.expr1) && isConstExpr(e.expr2);
    case 'Getattr':
      return isConstExpr(e.obj);
    case 'Getitem':
      return isConstExpr(e.obj) && isConstExpr(e.index);
    case 'Slice':
      return isConstExpr(e.start) && isConstExpr(e.stop) && isConstExpr(e.step);
    case 'Filter':
    case 'Test':
      if (e.kind === 'Filter' && (e.node === null || UNFOLDED_FILTERS.has(e.name))) return false;
      return isConstExpr(e.node) && e.args.every(isConstExpr) && e.kwargs.every((k) => isConstExpr(k.value)) && e.dynArgs === null && e.dynKwargs === null;
    default:
      return false;
  }
}

/** The template's top-level output as dbt's native render sees it. */
export function nativeShape(template: A.TemplateNode): NativeShape {
  // Each item: true for a text/constant part, the expression for a value node.
  const items: Array<true | A.OutputStmt> = [];
  for (const stmt of template.body) {
    switch (stmt.kind) {
      case 'Data':
        // The template's final newline is not output (keep_trailing_newline is off).
        if (stmt.text.length - stmt.trail > 0) items.push(true);
        break;
      case 'Output':
        items.push(isConstExpr(stmt.expr) ? true : stmt);
        break;
      case 'Set':
      case 'Do':
      case 'Macro':
        break;
      default:
        return { kind: 'dynamic' };
    }
  }
  // Runs of text and constants are one node.
  let nodes = 0;
  let single: true | A.OutputStmt | undefined;
  for (let i = 0; i < items.length; i++) {
    if (items[i] === true && items[i - 1] === true) continue;
    nodes++;
    single = items[i];
  }
  if (nodes === 0) return { kind: 'empty' };
  if (nodes > 1 || single === true || single === undefined) return { kind: 'text' };
  const expr = single.expr;
  if (expr.kind === 'Filter') {
    if (expr.name === 'as_bool') return { kind: 'marker', marker: 'bool' };
    if (expr.name === 'as_number') return { kind: 'marker', marker: 'number' };
    if (expr.name === 'as_native') return { kind: 'marker', marker: 'native' };
    if (expr.name === 'as_text') return { kind: 'marker', marker: 'text' };
  }
  // A marker inside a larger expression is a str whose value dbt reads as a literal when it is the result.
  if (hasMarker(expr)) return { kind: 'dynamic' };
  return { kind: 'value', output: single };
}

function hasMarker(e: A.Expr): boolean {
  let found = false;
  const visit = (x: unknown): void => {
    if (found || typeof x !== 'object' || x === null) return;
    if (Array.isArray(x)) return x.forEach(visit);
    const node = x as { kind?: string; name?: string };
    if (node.kind === 'Filter' && typeof node.name === 'string' && node.name.startsWith('as_')) found = true;
    for (const v of Object.values(node)) visit(v);
  };
  visit(e);
  return found;
}

/**
 * dbt's native value of a template: `output(text)` renders a template text to its output,
 * `capture(text)` renders one and returns its `__native_value` (the value node is rendered as
 * `{% set __native_value = ... %}` in place, so the template's own sets apply). Throws dbt's
 * message where a marker's text is not its type.
 */
export function nativeValue(template: A.TemplateNode, output: (text: string) => string, capture: (text: string) => unknown): unknown {
  const source = template.source;
  const shape = nativeShape(template);
  switch (shape.kind) {
    case 'empty':
      return '';
    case 'text':
      return output(source);
    case 'dynamic': {
      const counted = source.includes('as_') ? undefined : countedSource(template);
      if (counted === undefined) return literal(output(asNativeMarkers(source)));
      const nodes = capture(counted);
      if (!Array.isArray(nodes) || nodes.length > 1) return output(source);
      if (nodes.length === 0) return '';
      // One node: text as written, a value as it is (data only: anything else as its text).
      const value: unknown = nodes[0];
      return value === COUNTED_TEXT || !isData(value) ? output(source) : value;
    }
    case 'value': {
      const { span, expr } = shape.output;
      const value = capture(`${source.slice(0, span.start)}{% set __native_value = ${source.slice(expr.span.start, expr.span.end)} %}${source.slice(span.end)}`);
      // Data values are kept as they are; anything else (undefined, a callable, a relation) as its rendered text.
      return isData(value) ? value : output(source);
    }
    case 'marker': {
      const text = output(source);
      if (shape.marker === 'text') return text;
      const value = literal(text);
      if (shape.marker === 'bool' && typeof value !== 'boolean') throw new Error(`Could not convert value '${text}' into type 'bool'`);
      if (shape.marker === 'number' && typeof value !== 'number' && !(value instanceof PyFloat)) throw new Error(`Could not convert value '${text}' into type 'number'`);
      return value;
    }
  }
}

/** What `countedSource` records for a node of text (a value node records its value, None included). */
const COUNTED_TEXT = '\u0000medallion:text-node';

/**
 * The template's source with every output node its render reaches recorded in
 * `__native_value` (a list set first): COUNTED_TEXT for a run of text and constant expressions (its text
 * written as a constant output, so whitespace control around it is kept), the value for a
 * `{{ expression }}` (evaluated once more, before it is output). Undefined where a statement the
 * recording does not follow holds output.
 */
function countedSource(template: A.TemplateNode): string | undefined {
  const source = template.source;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const record = (expr: string): string => `{% do __native_value.append(${expr}) %}`;
  const walk = (body: A.Stmt[], top: boolean): boolean => {
    let inRun = false;
    for (let i = 0; i < body.length; i++) {
      const st = body[i]!;
      switch (st.kind) {
        case 'Data': {
          const text = top && i === body.length - 1 ? st.text.slice(0, st.text.length - st.trail) : st.text;
          // The data's source is replaced by its text as a constant: no node when it is empty.
          edits.push({ start: st.span.start, end: st.span.end, text: text === '' ? '' : `${inRun ? '' : record(TEXT_NODE)}{{ ${pyString(text)} }}` });
          if (text !== '') inRun = true;
          break;
        }
        case 'Output':
          if (isConstExpr(st.expr)) {
            if (!inRun) edits.push({ start: st.span.start, end: st.span.start, text: record(TEXT_NODE) });
            inRun = true;
          } else {
            edits.push({ start: st.span.start, end: st.span.start, text: record(source.slice(st.expr.span.start, st.expr.span.end)) });
            inRun = false;
          }
          break;
        case 'If':
          inRun = false;
          if (!walk(st.body, false) || !st.elifs.every((e) => walk(e.body, false)) || !walk(st.else_, false)) return false;
          break;
        case 'For':
          inRun = false;
          if (!walk(st.body, false) || !walk(st.else_, false)) return false;
          break;
        case 'With':
          inRun = false;
          if (!walk(st.body, false)) return false;
          break;
        case 'Set':
        case 'Do':
        case 'SetBlock':
        case 'Macro':
        case 'Break':
        case 'Continue':
          inRun = false;
          break;
        default:
          return false;
      }
    }
    return true;
  };
  if (!walk(template.body, true)) return undefined;
  let out = '';
  let at = 0;
  for (const e of edits.sort((a, b) => a.start - b.start)) {
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return `{% set __native_value = [] %}${out}${source.slice(at)}`;
}

const TEXT_NODE = pyString(COUNTED_TEXT);

/** A Jinja string literal of `text`. */
function pyString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** A value a yml config may hold: text, numbers, booleans, None, lists and plain mappings. */
function isData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat) return true;
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || isUndefined(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * dbt's as_bool/as_number/as_native/as_text make markers that are `str`s (BoolMarker(False) is
 * the text 'False'), read back as a literal only when one is the whole output. So inside a larger
 * expression each is Jinja's `string` filter: `(false | as_bool) and (true | as_bool)` is the
 * truthy text 'False' and gives 'True', as in dbt. The template's shape is read before this.
 */
export function asNativeMarkers(text: string): string {
  return text.includes('as_') ? text.replace(/\|(\s*)as_(?:bool|number|native|text)\b/g, '|$1string') : text;
}
