/**
 * Compiled SQL → model source, character for character. The compiled text is the template with
 * its Jinja rendered, so the two are aligned token by token (a Myers diff over non-blank tokens):
 * a compiled token that the diff matches with template SQL maps exactly; one the renderer
 * produced maps to the Jinja that produced it (the template hunk it replaced), or, when the same
 * word appears inside that Jinja (a macro argument such as `'quantity'`), to that word. This is
 * what places an engine's error at the model's own line and column, and what lets edits target
 * the template text a compiled identifier came from.
 */
import type { Span } from '../text';

/** Where a token sits in the template: plain SQL, inside `{{ }}`, or inside `{% %}`. */
export type TemplateContext = 'sql' | 'expression' | 'statement';

interface Token {
  start: number;
  end: number;
  text: string;
  context: TemplateContext;
}

export interface SourcePosition {
  /** Offset in the template (the model file's text). */
  offset: number;
  /** True when the compiled character is the same character of template SQL (not rendered by Jinja). */
  exact: boolean;
  context: TemplateContext;
  /** For rendered text: the template text it replaced (the Jinja that produced it). */
  hunk?: Span;
}

const WORD = /[A-Za-z0-9_\u0080-\uffff]/;

function tokenize(text: string, template: boolean, from = 0, to = text.length): Token[] {
  const tokens: Token[] = [];
  let context: TemplateContext = 'sql';
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (template) {
      if (c === '{' && text[i + 1] === '#') {
        const close = text.indexOf('#}', i + 2);
        i = close < 0 ? to : close + 2;
        continue;
      }
      if (c === '{' && (text[i + 1] === '{' || text[i + 1] === '%')) {
        context = text[i + 1] === '{' ? 'expression' : 'statement';
        i += 2;
        if (text[i] === '-' || text[i] === '+') i++;
        continue;
      }
      if (context !== 'sql' && (c === '-' || c === '+') && (text[i + 1] === '}' || text[i + 1] === '%') && text[i + 2] === '}') {
        i++;
        continue;
      }
      if ((context === 'expression' && c === '}' && text[i + 1] === '}') || (context === 'statement' && c === '%' && text[i + 1] === '}')) {
        context = 'sql';
        i += 2;
        continue;
      }
    }
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    let end = i + 1;
    if (WORD.test(c)) while (end < to && WORD.test(text[end]!)) end++;
    tokens.push({ start: i, end, text: text.slice(i, end), context: template ? context : 'sql' });
    i = end;
  }
  return tokens;
}

/** Template punctuation inside Jinja never stands for SQL punctuation; words may (macro arguments). */
function same(a: Token, b: Token): boolean {
  return a.text === b.text && (a.context === 'sql' || WORD.test(a.text[0]!));
}

/**
 * Myers' O(ND) diff of two token lists; returns, for each token of `b`, the index of the token of
 * `a` it is matched with (or -1). Gives up (undefined) beyond `maxEdits` edits.
 */
function align(a: Token[], b: Token[], maxEdits: number): Int32Array | undefined {
  const match = new Int32Array(b.length).fill(-1);
  let lo = 0;
  while (lo < a.length && lo < b.length && same(a[lo]!, b[lo]!)) {
    match[lo] = lo;
    lo++;
  }
  let aEnd = a.length;
  let bEnd = b.length;
  while (aEnd > lo && bEnd > lo && same(a[aEnd - 1]!, b[bEnd - 1]!)) {
    aEnd--;
    bEnd--;
    match[bEnd] = aEnd;
  }
  const n = aEnd - lo;
  const m = bEnd - lo;
  if (n === 0 || m === 0) return match;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the furthest x on diagonals -(d-1)..d-1 before step d (memory grows as D², hence maxEdits).
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(d === 0 ? new Int32Array(0) : v.slice(offset - d + 1, offset + d));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && same(a[lo + x]!, b[lo + y]!)) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Walk the trace back from the end, recording the diagonals (matches).
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!;
    const at = (k: number): number => prev[k + d - 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX + (down ? 0 : 1) && y > prevY + (down ? 1 : 0)) {
      x--;
      y--;
      match[lo + y] = lo + x;
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    match[lo + y] = lo + x;
  }
  return match;
}

export class SpanMap {
  private readonly templateTokens: Token[];
  private readonly compiledTokens: Token[];
  /** compiledTokens[i] ↔ templateTokens[match[i]] (or -1). */
  private readonly match: Int32Array;
  private reverse: Int32Array | undefined;
  /** False when the texts were too different to align (then positions fall back to the hunk between anchors). */
  readonly aligned: boolean;

  /**
   * @param template the model file's text
   * @param compiled the compiled SQL
   * @param region the part of the template the SQL was rendered from (a snapshot block's inside)
   */
  constructor(
    readonly template: string,
    readonly compiled: string,
    region: Span = { start: 0, end: template.length },
    maxEdits = 1500,
  ) {
    this.templateTokens = tokenize(template, true, region.start, region.end);
    this.compiledTokens = tokenize(compiled, false);
    const match = align(this.templateTokens, this.compiledTokens, maxEdits);
    this.aligned = match !== undefined;
    this.match = match ?? new Int32Array(this.compiledTokens.length).fill(-1);
  }

  /** The compiled token containing `offset` (or the next one). */
  private compiledTokenAt(offset: number): number {
    const tokens = this.compiledTokens;
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, tokens.length - 1);
  }

  /** Where a compiled offset comes from in the template. */
  toSource(offset: number): SourcePosition {
    const tokens = this.compiledTokens;
    if (tokens.length === 0) return { offset: 0, exact: false, context: 'sql' };
    const i = this.compiledTokenAt(offset);
    const token = tokens[i]!;
    const j = this.match[i]!;
    if (j >= 0) {
      const t = this.templateTokens[j]!;
      const within = Math.max(0, Math.min(offset - token.start, t.end - t.start));
      return { offset: t.start + within, exact: t.context === 'sql', context: t.context };
    }
    const hunk = this.hunkAround(i);
    // A rendered word that is written inside the Jinja that produced it (`{{ m('quantity') }}`).
    const word = WORD.test(token.text[0]!) ? this.templateTokens.slice(hunk.first, hunk.last + 1).filter((t) => t.text === token.text) : [];
    if (word.length === 1) return { offset: word[0]!.start + Math.max(0, Math.min(offset - token.start, token.text.length)), exact: false, context: word[0]!.context, hunk: hunk.span };
    return { offset: hunk.span.start, exact: false, context: 'expression', hunk: hunk.span };
  }

  /** The template tokens between the matched neighbours of compiled token i, as a span (the Jinja it replaced). */
  private hunkAround(i: number): { first: number; last: number; span: Span } {
    let before = -1;
    for (let k = i - 1; k >= 0; k--) {
      if (this.match[k]! >= 0) {
        before = this.match[k]!;
        break;
      }
    }
    let after = this.templateTokens.length;
    for (let k = i + 1; k < this.compiledTokens.length; k++) {
      if (this.match[k]! >= 0) {
        after = this.match[k]!;
        break;
      }
    }
    const first = before + 1;
    const last = after - 1;
    if (first > last) {
      // Nothing of the template was replaced here (an insertion): point at the neighbour.
      const at = this.templateTokens[Math.min(first, this.templateTokens.length - 1)];
      const start = at ? (first < this.templateTokens.length ? at.start : at.end) : 0;
      return { first, last, span: { start, end: start } };
    }
    // Prefer the Jinja opening inside the hunk: the template text the rendered text stands for.
    const startToken = this.templateTokens[first]!;
    const endToken = this.templateTokens[last]!;
    let start = startToken.start;
    const open = this.template.lastIndexOf('{', start);
    if (startToken.context !== 'sql' && open >= 0 && (this.template[open + 1] === '{' || this.template[open + 1] === '%')) start = open;
    let end = endToken.end;
    if (endToken.context !== 'sql') {
      const close = this.template.indexOf(endToken.context === 'expression' ? '}}' : '%}', end);
      if (close >= 0) end = close + 2;
    }
    return { first, last, span: { start, end } };
  }

  /** A template span's compiled counterpart, when the template text there is plain SQL the diff matched. */
  toCompiled(span: Span): Span | undefined {
    const tokens = this.templateTokens;
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid]!.end <= span.start) lo = mid + 1;
      else hi = mid;
    }
    const t = tokens[lo];
    if (!t || t.start > span.start) return undefined;
    if (!this.reverse) {
      this.reverse = new Int32Array(tokens.length).fill(-1);
      for (let i = 0; i < this.match.length; i++) if (this.match[i]! >= 0) this.reverse[this.match[i]!] = i;
    }
    const i = this.reverse[lo]!;
    if (i < 0) return undefined;
    const start = this.compiledTokens[i]!.start + (span.start - t.start);
    return { start, end: start + (span.end - span.start) };
  }

  /** The template span of a compiled span, when both ends map exactly (or into the same Jinja word). */
  spanToSource(span: Span): { span: Span; exact: boolean } {
    const a = this.toSource(span.start);
    const b = this.toSource(Math.max(span.start, span.end - 1));
    if (b.offset + 1 >= a.offset && b.offset - a.offset <= span.end - span.start + 2 && a.context === b.context) {
      return { span: { start: a.offset, end: b.offset + 1 }, exact: a.exact && b.exact };
    }
    return { span: a.hunk ?? { start: a.offset, end: a.offset }, exact: false };
  }
}
