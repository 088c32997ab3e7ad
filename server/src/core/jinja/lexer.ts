// Hand-written Jinja2 scanner. One pass over the source with charCodeAt; tokens are
// stored as parallel typed arrays (struct-of-arrays) in a buffer the parser reuses from one
// template to the next, so lexing allocates little beyond the token values themselves.
//
// Whitespace options (trim_blocks / lstrip_blocks / keep_trailing_newline) are render
// options in this engine, so instead of applying them here the lexer records, for each
// data token, how much text each option would remove (see DataInfo).

import type { Span } from './ast';

export const TK_EOF = 0;
export const TK_DATA = 1;
export const TK_VAR_BEGIN = 2;
export const TK_VAR_END = 3;
export const TK_BLOCK_BEGIN = 4;
export const TK_BLOCK_END = 5;
export const TK_NAME = 6;
export const TK_STRING = 7;
export const TK_INT = 8;
export const TK_FLOAT = 9;
export const TK_OP = 10;

/** What a data token's text is with each whitespace option applied (DataStmt carries the same fields). */
export interface DataInfo {
  raw: string;
  trim: number;
  lstrip: number;
  trail: number;
}

export interface LexDiagnostic {
  message: string;
  span: Span;
}

/**
 * Tokens as parallel arrays, filled by `lexInto` and reused from one template to the next: only
 * the first `count` entries are the current template's tokens (the last one EOF). The arrays are
 * longer; reads past EOF see EOF padding, then stale tokens.
 */
export class TokenBuffer {
  count = 0;
  type: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** NAME/OP: string, STRING: decoded string, INT/FLOAT: number, DATA: the raw text. */
  value: unknown[] = [];
  /** DATA only: lstrip_blocks' length (see DataInfo). */
  lstrip: Int32Array;
  /** DATA only: trim_blocks' length | the trailing newline's length << 2 (see DataInfo). */
  trimTrail: Int32Array;
  diagnostics: LexDiagnostic[] = [];

  constructor(capacity = 256) {
    this.type = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.lstrip = new Int32Array(capacity);
    this.trimTrail = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.type.length;
  }

  /** Room for at least `n` tokens, contents kept. */
  grow(n: number): void {
    let cap = this.type.length * 2;
    while (cap < n) cap *= 2;
    const more = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.type = more(this.type);
    this.start = more(this.start);
    this.end = more(this.end);
    this.lstrip = more(this.lstrip);
    this.trimTrail = more(this.trimTrail);
  }

  /**
   * Ready for the next template. The last one's values stay until overwritten (clearing them cost
   * more than it saves: they hold at most one template's names and strings).
   */
  clear(): void {
    this.count = 0;
    this.diagnostics = [];
  }
}

/** One spare buffer for the parser: parses run one at a time, a nested one simply gets its own. */
let spareBuffer: TokenBuffer | null = null;
/** Larger buffers are not kept: one huge template must not pin its token arrays for the process's life. */
const MAX_KEPT_CAPACITY = 1 << 16;

export function takeTokenBuffer(): TokenBuffer {
  const b = spareBuffer;
  if (b === null) return new TokenBuffer();
  spareBuffer = null;
  return b;
}

export function releaseTokenBuffer(b: TokenBuffer): void {
  if (b.capacity > MAX_KEPT_CAPACITY) return;
  b.clear();
  spareBuffer = b;
}

/** Tokens past the EOF token, so a look-ahead from EOF reads EOF rather than a stale token. */
const EOF_PADDING = 3;

const C_NL = 10;
const C_CR = 13;
const C_LBRACE = 123; // {
const C_RBRACE = 125; // }
const C_PERCENT = 37; // %
const C_HASH = 35; // #
const C_MINUS = 45; // -
const C_PLUS = 43; // +
const C_SQUOTE = 39;
const C_DQUOTE = 34;
const C_BACKSLASH = 92;
const C_UNDERSCORE = 95;
const C_DOT = 46;

/** Python's str.isspace / regex `\s` for str patterns. */
export function isPyWhitespace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// ASCII character classes, one table lookup instead of a chain of comparisons (or a call) per
// char: the lexer runs mostly before the JIT has optimized it, where calls cost the most.
const CL_WS = 1;
const CL_NAME_START = 2;
const CL_NAME = 4;
const CL_DIGIT = 8;
/** `-`, `+`, `%`, `}`: the chars a tag end starts with. */
const CL_TAG_END = 16;
const ASCII_CLASS = new Uint8Array(128);
/** Zero or more ASCII name chars (always matches, so lastIndex is where the run ends). */
const ASCII_NAME_RUN = /[A-Za-z0-9_]*/y;
for (let c = 0; c < 128; c++) {
  if (c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31)) ASCII_CLASS[c] = CL_WS;
  else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === C_UNDERSCORE) ASCII_CLASS[c] = CL_NAME_START | CL_NAME;
  else if (c >= 48 && c <= 57) ASCII_CLASS[c] = CL_NAME | CL_DIGIT;
  else if (c === C_MINUS || c === C_PLUS || c === C_PERCENT || c === C_RBRACE) ASCII_CLASS[c] = CL_TAG_END;
}

const ID_START_RE = /[\p{ID_Start}]/u;
const ID_CONTINUE_RE = /[\p{ID_Continue}]/u;

function isNameStart(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === C_UNDERSCORE;
  return ID_START_RE.test(String.fromCharCode(c));
}

function isNameChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === C_UNDERSCORE || (c >= 48 && c <= 57);
  return ID_CONTINUE_RE.test(String.fromCharCode(c));
}

// Operator strings indexed by their first char code; shared constants keep the parser's
// comparisons cheap. Every two-char operator has a distinct first char.
const OPS2_BY_CHAR: Array<string | undefined> = [];
const OPS1_BY_CHAR: Array<string | undefined> = [];
for (const op of ['//', '**', '==', '!=', '>=', '<=']) OPS2_BY_CHAR[op.charCodeAt(0)] = op;
for (const op of ['+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';']) OPS1_BY_CHAR[op.charCodeAt(0)] = op;
for (let i = 0; i < 128; i++) {
  OPS2_BY_CHAR[i] ??= undefined;
  OPS1_BY_CHAR[i] ??= undefined;
}

/** Tokens of `src` into `buffer` (its previous contents are dropped). */
export function lexInto(src: string, buffer: TokenBuffer): TokenBuffer {
  buffer.count = 0;
  buffer.diagnostics = [];
  new Lexer(src, buffer).run();
  return buffer;
}

class Lexer {
  private readonly n: number;
  private pos = 0;
  /** Tokens written so far (the next one goes at this index of the buffer's arrays). */
  private count = 0;
  private readonly diagnostics: LexDiagnostic[];
  private readonly brackets: number[] = [];
  /** Whether the previous tag end may have a newline removed by trim_blocks. */
  private prevTrimmable = false;
  /** Length of the source's final newline (removed unless keep_trailing_newline). */
  private readonly trailLen: number;

  constructor(
    private readonly src: string,
    private readonly buf: TokenBuffer,
  ) {
    this.diagnostics = buf.diagnostics;
    this.n = src.length;
    const n = this.n;
    if (n > 0 && src.charCodeAt(n - 1) === C_NL) this.trailLen = n > 1 && src.charCodeAt(n - 2) === C_CR ? 2 : 1;
    else if (n > 0 && src.charCodeAt(n - 1) === C_CR) this.trailLen = 1;
    else this.trailLen = 0;
  }

  run(): void {
    const src = this.src;
    const n = this.n;
    while (this.pos < n) {
      // Find the next tag opener: `{{`, `{%` or `{#`.
      let i = this.pos;
      let kind = 0;
      for (;;) {
        i = src.indexOf('{', i);
        if (i < 0 || i + 1 >= n) {
          i = -1;
          break;
        }
        const c = src.charCodeAt(i + 1);
        if (c === C_LBRACE) kind = TK_VAR_BEGIN;
        else if (c === C_PERCENT) kind = TK_BLOCK_BEGIN;
        else if (c === C_HASH) kind = -1; // comment
        else {
          i++;
          continue;
        }
        break;
      }
      if (i < 0) {
        this.emitData(this.pos, n, 0, '', true);
        break;
      }
      let j = i + 2;
      let sign = '';
      const sc = j < n ? src.charCodeAt(j) : 0;
      if (sc === C_MINUS) {
        sign = '-';
        j++;
      } else if (sc === C_PLUS) {
        sign = '+';
        j++;
      }
      if (kind === TK_BLOCK_BEGIN && sign !== '+') {
        const rawEnd = this.matchRawBegin(j);
        if (rawEnd >= 0) {
          this.emitData(this.pos, i, kind, sign, false);
          this.lexRaw(i, rawEnd);
          continue;
        }
      }
      this.emitData(this.pos, i, kind, sign, false);
      if (kind === -1) this.lexComment(i, j);
      else this.lexTag(kind, i, j);
    }
    this.push(TK_EOF, n, n, null);
    const count = this.count;
    for (let k = 0; k < EOF_PADDING; k++) this.push(TK_EOF, n, n, null);
    this.buf.count = count;
    this.count = count;
  }

  private push(t: number, s: number, e: number, v: unknown): void {
    const k = this.count;
    const buf = this.buf;
    if (k >= buf.type.length) buf.grow(k + 1);
    buf.type[k] = t;
    buf.start[k] = s;
    buf.end[k] = e;
    buf.value[k] = v;
    this.count = k + 1;
  }

  private diag(message: string, start: number, end: number): void {
    this.diagnostics.push({ message, span: { start, end } });
  }

  /**
   * Emit template text [s, e) that precedes a tag of `nextKind` (0 = none) opened with `sign`.
   * Applies `-` stripping (syntax) and records what trim/lstrip/trailing-newline would remove.
   */
  private emitData(s: number, e: number, nextKind: number, sign: string, atEof: boolean): void {
    const src = this.src;
    const trimmable = this.prevTrimmable;
    this.prevTrimmable = false;
    let lstrip = 0;
    if (sign === '-') {
      while (e > s && isPyWhitespace(src.charCodeAt(e - 1))) e--;
    } else if (sign !== '+' && nextKind !== 0 && nextKind !== TK_VAR_BEGIN) {
      // lstrip_blocks: whitespace between the last line start and a block/comment tag. Walk back
      // over the whitespace only: any other char before the line start means there is none to strip.
      let k = e;
      while (k > s) {
        const c = src.charCodeAt(k - 1);
        if (c === C_NL || c === C_CR || (c < 128 ? ASCII_CLASS[c] !== CL_WS : !isPyWhitespace(c))) break;
        k--;
      }
      if (k > s) {
        const c = src.charCodeAt(k - 1);
        if (c === C_NL || c === C_CR) lstrip = e - k;
      } else if (s === 0) {
        lstrip = e - k;
      }
    }
    if (e <= s) return;
    let trim = 0;
    if (trimmable) {
      const c = src.charCodeAt(s);
      if (c === C_NL) trim = 1;
      else if (c === C_CR) trim = s + 1 < e && src.charCodeAt(s + 1) === C_NL ? 2 : 1;
    }
    const trail = atEof && e === this.n ? Math.min(this.trailLen, e - s) : 0;
    const k = this.count;
    this.push(TK_DATA, s, e, src.slice(s, e));
    this.buf.lstrip[k] = lstrip;
    this.buf.trimTrail[k] = trim | (trail << 2);
  }

  private skipWs(p: number): number {
    const src = this.src;
    const n = this.n;
    while (p < n && isPyWhitespace(src.charCodeAt(p))) p++;
    return p;
  }

  /** `{%[-]\s*raw\s*(-%}\s*|%})` starting after the sign; returns the index after the match or -1. */
  private matchRawBegin(j: number): number {
    const src = this.src;
    let p = this.skipWs(j);
    if (!src.startsWith('raw', p)) return -1;
    p = this.skipWs(p + 3);
    if (src.charCodeAt(p) === C_MINUS && src.startsWith('%}', p + 1)) return this.skipWs(p + 3);
    if (src.charCodeAt(p) === C_PERCENT && src.charCodeAt(p + 1) === C_RBRACE) return p + 2;
    return -1;
  }

  private lexRaw(tagStart: number, bodyStart: number): void {
    const src = this.src;
    const n = this.n;
    let k = bodyStart;
    while (k < n) {
      k = src.indexOf('{%', k);
      if (k < 0) break;
      let p = k + 2;
      let sign = '';
      const c = src.charCodeAt(p);
      if (c === C_MINUS || c === C_PLUS) {
        sign = c === C_MINUS ? '-' : '+';
        p++;
      }
      p = this.skipWs(p);
      if (src.startsWith('endraw', p)) {
        p = this.skipWs(p + 6);
        const c2 = src.charCodeAt(p);
        let endAt = -1;
        let trimmable = false;
        if ((c2 === C_PLUS || c2 === C_MINUS) && src.startsWith('%}', p + 1)) {
          endAt = c2 === C_MINUS ? this.skipWs(p + 3) : p + 3;
        } else if (c2 === C_PERCENT && src.charCodeAt(p + 1) === C_RBRACE) {
          endAt = p + 2;
          trimmable = true;
        }
        if (endAt >= 0) {
          this.prevTrimmable = false;
          this.emitData(bodyStart, k, TK_BLOCK_BEGIN, sign, false);
          this.prevTrimmable = trimmable;
          this.pos = endAt;
          return;
        }
      }
      k += 2;
    }
    this.diag('Missing end of raw directive', tagStart, bodyStart);
    this.prevTrimmable = false;
    this.emitData(bodyStart, n, 0, '', true);
    this.pos = n;
  }

  private lexComment(tagStart: number, bodyStart: number): void {
    const src = this.src;
    const m = src.indexOf('#}', bodyStart);
    if (m < 0) {
      this.diag('Missing end of comment tag', tagStart, tagStart + 2);
      this.pos = this.n;
      return;
    }
    const before = m - 1 >= bodyStart ? src.charCodeAt(m - 1) : 0;
    if (before === C_MINUS) {
      this.pos = this.skipWs(m + 2);
    } else {
      this.pos = m + 2;
      this.prevTrimmable = before !== C_PLUS;
    }
  }

  /** Lex the inside of `{{ ... }}` or `{% ... %}`; `j` is just after the opener and sign. */
  private lexTag(kind: number, tagStart: number, j: number): void {
    const src = this.src;
    const n = this.n;
    this.push(kind, tagStart, j, null);
    const isBlock = kind === TK_BLOCK_BEGIN;
    // Open-bracket stack, only needed to tell a dict's `}}` from the variable end (one list for all tags).
    const brackets = this.brackets;
    // Setting an array's length is a runtime call: most tags close every bracket they open.
    if (brackets.length !== 0) brackets.length = 0;
    let p = j;
    for (;;) {
      let c = 0;
      while (p < n) {
        c = src.charCodeAt(p);
        if (c < 128 ? ASCII_CLASS[c] !== CL_WS : !isPyWhitespace(c)) break;
        p++;
      }
      if (p >= n) {
        this.diag(isBlock ? "Unexpected end of template: missing '%}'" : "Unexpected end of template: missing '}}'", tagStart, j);
        this.pos = n;
        return;
      }
      const cls = c < 128 ? ASCII_CLASS[c]! : 0;
      // Names first: the most common token, and no name char starts a tag end or opener.
      if ((cls & CL_NAME_START) !== 0 || (c >= 128 && isNameStart(c))) {
        // The ASCII run by a sticky regex: one call instead of a loop turn per char (the lexer mostly
        // runs before it is optimized), then any non-ASCII name chars.
        ASCII_NAME_RUN.lastIndex = p + 1;
        ASCII_NAME_RUN.test(src);
        let q = ASCII_NAME_RUN.lastIndex;
        while (q < n) {
          const d = src.charCodeAt(q);
          if (d < 128 ? (ASCII_CLASS[d]! & CL_NAME) === 0 : !isNameChar(d)) break;
          q++;
        }
        this.push(TK_NAME, p, q, src.slice(p, q));
        p = q;
        continue;
      }
      // Tag end.
      if ((cls & CL_TAG_END) === 0) {
        // Not one.
      } else if (isBlock) {
        if ((c === C_MINUS || c === C_PLUS) && src.charCodeAt(p + 1) === C_PERCENT && src.charCodeAt(p + 2) === C_RBRACE) {
          this.push(TK_BLOCK_END, p, p + 3, null);
          this.pos = c === C_MINUS ? this.skipWs(p + 3) : p + 3;
          return;
        }
        if (c === C_PERCENT && src.charCodeAt(p + 1) === C_RBRACE) {
          this.push(TK_BLOCK_END, p, p + 2, null);
          this.pos = p + 2;
          this.prevTrimmable = true;
          return;
        }
      } else if (brackets.length === 0 || brackets[brackets.length - 1] !== C_RBRACE) {
        if (c === C_MINUS && src.charCodeAt(p + 1) === C_RBRACE && src.charCodeAt(p + 2) === C_RBRACE) {
          this.push(TK_VAR_END, p, p + 3, null);
          this.pos = this.skipWs(p + 3);
          return;
        }
        if (c === C_RBRACE && src.charCodeAt(p + 1) === C_RBRACE) {
          this.push(TK_VAR_END, p, p + 2, null);
          this.pos = p + 2;
          return;
        }
      }
      // A new tag opener inside a tag: the current tag was never closed. Recover there.
      if (c === C_LBRACE) {
        const c2 = src.charCodeAt(p + 1);
        if (c2 === C_PERCENT || c2 === C_HASH || c2 === C_LBRACE) {
          this.diag(isBlock ? "Unclosed tag: expected '%}'" : "Unclosed tag: expected '}}'", tagStart, j);
          this.push(isBlock ? TK_BLOCK_END : TK_VAR_END, p, p, null);
          this.pos = p;
          return;
        }
      }
      if ((cls & CL_DIGIT) !== 0) {
        p = this.lexNumber(p, p > 0 && src.charCodeAt(p - 1) === C_DOT);
        continue;
      }
      if (c === C_SQUOTE || c === C_DQUOTE) {
        p = this.lexString(p, c, isBlock);
        continue;
      }
      // Operators: longest match first (table lookups by char code, no substring allocation).
      const two = c < 128 ? OPS2_BY_CHAR[c] : undefined;
      if (two !== undefined && src.charCodeAt(p + 1) === two.charCodeAt(1)) {
        this.push(TK_OP, p, p + 2, two);
        p += 2;
        continue;
      }
      const one = c < 128 ? OPS1_BY_CHAR[c] : undefined;
      if (one !== undefined) {
        if (c === 40 || c === 91 || c === C_LBRACE) brackets.push(c === 40 ? 41 : c === 91 ? 93 : C_RBRACE);
        else if ((c === 41 || c === 93 || c === C_RBRACE) && brackets.length > 0 && brackets[brackets.length - 1] === c) brackets.pop();
        this.push(TK_OP, p, p + 1, one);
        p += 1;
        continue;
      }
      const cp = src.codePointAt(p)!;
      const len = cp > 0xffff ? 2 : 1;
      this.diag(`unexpected char ${pyQuoteChar(String.fromCodePoint(cp))} at ${p}`, p, p + len);
      p += len;
    }
  }

  private lexNumber(p: number, afterDot: boolean): number {
    const src = this.src;
    const n = this.n;
    const s = p;
    const c0 = src.charCodeAt(p);
    const c1 = p + 1 < n ? src.charCodeAt(p + 1) | 0x20 : 0;
    // Prefixed integers: 0b / 0o / 0x.
    if (c0 === 48 && (c1 === 98 || c1 === 111 || c1 === 120)) {
      const base = c1 === 98 ? 2 : c1 === 111 ? 8 : 16;
      let q = p + 2;
      let digits = '';
      for (;;) {
        let r = q;
        if (src.charCodeAt(r) === C_UNDERSCORE) r++;
        const d = src.charCodeAt(r);
        const v = d >= 48 && d <= 57 ? d - 48 : (d | 0x20) >= 97 && (d | 0x20) <= 102 ? (d | 0x20) - 87 : 99;
        if (v >= base) break;
        digits += src[r];
        q = r + 1;
      }
      if (digits.length > 0) {
        this.push(TK_INT, s, q, parseInt(digits, base));
        return q;
      }
      // Just "0" followed by a name.
      this.push(TK_INT, s, p + 1, 0);
      return p + 1;
    }
    const q = this.scanDigits(p);
    let e = q;
    let isFloat = false;
    if (!afterDot) {
      // Fraction: `.` followed by digits (a bare `1.` is int + dot).
      if (src.charCodeAt(e) === C_DOT && isDigit(src.charCodeAt(e + 1))) {
        e = this.scanDigits(e + 1);
        isFloat = true;
      }
      // Exponent.
      if ((src.charCodeAt(e) | 0x20) === 101) {
        let r = e + 1;
        const sg = src.charCodeAt(r);
        if (sg === C_PLUS || sg === C_MINUS) r++;
        if (isDigit(src.charCodeAt(r))) {
          e = this.scanDigits(r);
          isFloat = true;
        }
      }
    }
    const text = src.slice(s, e).replace(/_/g, '');
    this.push(isFloat ? TK_FLOAT : TK_INT, s, e, isFloat ? parseFloat(text) : Number(text));
    return e;
  }

  /** Digits with single `_` separators between them. */
  private scanDigits(p: number): number {
    const src = this.src;
    let q = p;
    while (isDigit(src.charCodeAt(q))) {
      q++;
      if (src.charCodeAt(q) === C_UNDERSCORE && isDigit(src.charCodeAt(q + 1))) q++;
    }
    return q;
  }

  /** Per quote char: a string opened at/after this offset has no closing quote (keeps lexing linear). */
  private noCloseFrom: Record<number, number> = {};
  /** Offset of the next backslash at or after the last string start (lexString looks it up once per passing). */
  private nextBackslash = -1;

  private lexString(p: number, quote: number, isBlock: boolean): number {
    const src = this.src;
    const n = this.n;
    let q = p + 1;
    let hasEscape = false;
    const known = this.noCloseFrom[quote];
    if (known !== undefined && p >= known) q = n;
    else {
      // Most strings have no backslash: find the closing quote with indexOf.
      const close = src.indexOf(quote === C_SQUOTE ? "'" : '"', q);
      if (this.nextBackslash < q) {
        const b = src.indexOf('\\', q);
        this.nextBackslash = b < 0 ? n : b;
      }
      if (close < 0 && this.nextBackslash >= n) q = n;
      else if (close >= 0 && close < this.nextBackslash) q = close;
    }
    while (q < n) {
      const c = src.charCodeAt(q);
      if (c === quote) break;
      if (c === C_BACKSLASH) {
        hasEscape = true;
        q += 2;
        continue;
      }
      q++;
    }
    if (q >= n) {
      if (known === undefined || p < known) this.noCloseFrom[quote] = p;
      // Unterminated: end the string at the line end or the tag end, whichever is first.
      const endA = isBlock ? C_PERCENT : C_RBRACE;
      let stop = p + 1;
      while (stop < n) {
        const c = src.charCodeAt(stop);
        if (c === C_NL || c === C_CR) break;
        if (c === endA && src.charCodeAt(stop + 1) === C_RBRACE) break;
        stop++;
      }
      this.diag('unterminated string literal', p, stop);
      this.push(TK_STRING, p, stop, src.slice(p + 1, stop));
      return stop;
    }
    let body = src.slice(p + 1, q);
    if (body.indexOf('\r') >= 0) body = body.replace(/\r\n?/g, '\n');
    let value = body;
    if (hasEscape) {
      const r = unescapePython(body);
      value = r.value;
      if (r.error) this.diag(r.error, p, q + 1);
    }
    this.push(TK_STRING, p, q + 1, value);
    return q + 1;
  }
}

function pyQuoteChar(ch: string): string {
  return ch === "'" ? `"'"` : `'${ch}'`;
}

/** Python `unicode-escape` decoding of a string literal body. */
export function unescapePython(s: string): { value: string; error?: string } {
  let out = '';
  let i = 0;
  const n = s.length;
  let error: string | undefined;
  while (i < n) {
    const b = s.indexOf('\\', i);
    if (b < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, b);
    if (b + 1 >= n) {
      error = '\\ at end of string';
      out += '\\';
      break;
    }
    const c = s[b + 1]!;
    i = b + 2;
    switch (c) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x':
      case 'u':
      case 'U': {
        const len = c === 'x' ? 2 : c === 'u' ? 4 : 8;
        const hex = s.substr(i, len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) {
          error = `truncated \\${c}${'X'.repeat(len)} escape`;
          out += '\\' + c;
          break;
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) {
          error = 'illegal Unicode character';
          break;
        }
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          let j = b + 1;
          let v = 0;
          while (j < n && j < b + 4 && s[j]! >= '0' && s[j]! <= '7') {
            v = v * 8 + (s.charCodeAt(j) - 48);
            j++;
          }
          out += String.fromCharCode(v);
          i = j;
        } else {
          out += '\\' + c;
        }
    }
  }
  return error ? { value: out, error } : { value: out };
}
