/**
 * Jinja-aware scanner: finds what the project graph needs in a model/macro/snapshot file
 * (ref/source/config calls, macro calls, block definitions) with exact spans, without rendering.
 *
 * It is deliberately not a Jinja parser: it must be fast enough to scan 10k files on every load
 * and tolerant of half-typed text. It never throws; problems come back as diagnostics.
 * SQL comments are not special: `-- depends_on: {{ ref('x') }}` is a dependency, as in dbt.
 */
import type { Span } from './text';

export interface RefCall {
  name: string;
  packageName?: string;
  version?: string;
  /** The model name inside the quotes (or, when `literal` is false, the call that led to the ref). */
  span: Span;
  callSpan: Span;
  /** False when rendering found the ref and the file holds no literal name for it (a loop variable, a computed name): nothing to rename in place. */
  literal?: false;
}

export interface SourceCall {
  source: string;
  table: string;
  sourceSpan: Span;
  tableSpan: Span;
  callSpan: Span;
  literal?: false;
}

/** A ref()/source() whose target is computed at render time (`ref('a_' ~ x)`, `ref(var)`). */
export interface DynamicCall {
  fn: 'ref' | 'source';
  callSpan: Span;
}

export interface ConfigCall {
  /** Keyword arguments whose values are literals. */
  values: Record<string, unknown>;
  /** Keyword arguments computed at render time; their values are unknown until rendered. */
  dynamicKeys: string[];
  keySpans: Record<string, Span>;
  callSpan: Span;
}

export interface MacroCallSite {
  /** Possibly namespaced: `dbt.date_trunc`, `dbt_utils.star`. */
  name: string;
  span: Span;
}

export type BlockKind = 'macro' | 'test' | 'snapshot' | 'materialization' | 'docs';

export interface BlockDefinition {
  kind: BlockKind;
  name: string;
  nameSpan: Span;
  /** From the opening tag to the end of the closing tag (or end of file when unclosed). */
  span: Span;
  params: Array<{ name: string; defaultText?: string }>;
  /** Materializations: the adapter they are for (`adapter='snowflake'`), `default` otherwise. */
  adapter?: string;
}

export interface ScanProblem {
  message: string;
  span: Span;
}

export interface ScanResult {
  /**
   * True when the file's Jinja is nothing but comments and `{{ ref(...) }}`, `{{ source(...) }}`,
   * `{{ config(...) }}` calls with literal arguments (dbt's static parser criteria, stricter): then
   * these refs, sources and configs are exactly what rendering the file would record.
   */
  static: boolean;
  refs: RefCall[];
  sources: SourceCall[];
  dynamic: DynamicCall[];
  configs: ConfigCall[];
  macroCalls: MacroCallSite[];
  blocks: BlockDefinition[];
  problems: ScanProblem[];
}

const enum Tok {
  Ident,
  String,
  Number,
  Punct,
}

interface Token {
  kind: Tok;
  start: number;
  end: number;
  /** Identifier text, decoded string value, number text, or punctuation character(s). */
  value: string;
}

const CH_LBRACE = 123; // {
const CH_RBRACE = 125; // }
const CH_PERCENT = 37; // %
const CH_HASH = 35; // #

/** Names that look like calls but are Jinja/dbt builtins rather than project macros. */
const NOT_MACROS = new Set([
  'ref', 'source', 'config', 'var', 'env_var', 'return', 'is_incremental', 'range', 'dict', 'namespace',
  'caller', 'super', 'loop', 'lipsum', 'cycler', 'joiner', 'print', 'log', 'zip', 'set', 'list', 'this',
  'if', 'elif', 'for', 'macro', 'call', 'filter', 'do', 'not', 'and', 'or', 'in', 'is',
]);

const BLOCK_OPENERS: Record<string, BlockKind> = {
  macro: 'macro',
  test: 'test',
  snapshot: 'snapshot',
  materialization: 'materialization',
  docs: 'docs',
};

export function scan(text: string): ScanResult {
  const result: ScanResult = { static: true, refs: [], sources: [], dynamic: [], configs: [], macroCalls: [], blocks: [], problems: [] };
  const openBlocks: Array<{ def: BlockDefinition; endTag: string }> = [];
  const n = text.length;
  // The next '(' at or after the current tag's body: tags only move forward, so each search
  // resumes where the last one stopped and the file is searched once, whatever its tag count.
  let nextParen = -1;
  let i = 0;
  while (i < n) {
    const open = text.indexOf('{', i);
    if (open === -1 || open + 1 >= n) break;
    const next = text.charCodeAt(open + 1);
    if (next === CH_HASH) {
      const close = text.indexOf('#}', open + 2);
      if (close === -1) {
        result.problems.push({ message: "Unterminated comment: '{#' has no matching '#}'", span: { start: open, end: open + 2 } });
        break;
      }
      i = close + 2;
      continue;
    }
    if (next !== CH_LBRACE && next !== CH_PERCENT) {
      i = open + 1;
      continue;
    }
    const closer = next === CH_LBRACE ? '}}' : '%}';
    const tag = readTag(text, open, closer, result.problems);
    // Whitespace control (`{%-`, `-%}`, `{{+`) is not part of the tag's code.
    let bodyStart = tag.bodyStart;
    let bodyEnd = tag.bodyEnd;
    if (bodyStart < bodyEnd && (text.charCodeAt(bodyStart) === 45 || text.charCodeAt(bodyStart) === 43)) bodyStart++;
    if (bodyEnd > bodyStart && (text.charCodeAt(bodyEnd - 1) === 45 || text.charCodeAt(bodyEnd - 1) === 43)) bodyEnd--;
    // Only a call needs tokens, and a call needs '(': most expressions (`{{ this }}`, `{{ m }}`) have
    // none and are skipped; a statement is still read for its keyword (blocks, endblocks, raw).
    if (nextParen < bodyStart) {
      nextParen = text.indexOf('(', bodyStart);
      if (nextParen === -1) nextParen = n;
    }
    const paren = nextParen < bodyEnd;
    if (!paren && next === CH_LBRACE) {
      // An expression without a call (`{{ this }}`) records nothing, but only rendering knows its value.
      result.static = false;
      i = tag.end;
      continue;
    }
    if (!paren && !keywordMatters(text, bodyStart, bodyEnd, openBlocks.length > 0)) {
      // `{% endif %}`, `{% else %}`, `{% for x in xs %}`: a statement without a call whose keyword
      // opens, closes or escapes nothing records nothing.
      result.static = false;
      i = tag.end;
      continue;
    }
    // Without a call, a statement is read only as far as its keyword and a block's name (a
    // materialization's adapter argument too).
    const tokens = tokenize(text, bodyStart, bodyEnd, paren || text.startsWith('materialization', bodyStart + countSpaces(text, bodyStart)) ? Infinity : 2);
    if (result.static && (next === CH_PERCENT || !isStaticCall(text, tokens))) result.static = false;
    if (next === CH_PERCENT && tokens.length > 0 && tokens[0]!.kind === Tok.Ident) {
      const keyword = tokens[0]!.value;
      if (keyword === 'raw') {
        const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
        endRaw.lastIndex = tag.end;
        const m = endRaw.exec(text);
        if (!m) {
          result.problems.push({ message: "Unterminated '{% raw %}' block", span: { start: open, end: tag.end } });
          break;
        }
        i = m.index + m[0].length;
        continue;
      }
      const kind = BLOCK_OPENERS[keyword];
      if (kind) {
        const def = blockDefinition(kind, tokens, open, tag.end);
        if (def) {
          result.blocks.push(def);
          openBlocks.push({ def, endTag: 'end' + keyword });
        }
        if (kind === 'macro' || kind === 'test') {
          // Parameter defaults may contain calls; skip the signature to avoid mistaking params for calls.
          collectCalls(tokens.slice(signatureEnd(tokens)), result);
        }
        i = tag.end;
        continue;
      }
      if (keyword.startsWith('end')) {
        for (let k = openBlocks.length - 1; k >= 0; k--) {
          if (openBlocks[k]!.endTag === keyword) {
            openBlocks[k]!.def.span.end = tag.end;
            openBlocks.length = k;
            break;
          }
        }
      }
    }
    if (paren) collectCalls(tokens, result);
    i = tag.end;
  }
  if (result.problems.length > 0) result.static = false;
  for (const { def, endTag } of openBlocks) {
    def.span.end = n;
    result.problems.push({ message: `Unclosed '{% ${def.kind} ${def.name} %}' block: missing '{% ${endTag} %}'`, span: def.nameSpan });
  }
  // Results live as long as the project: lists of their exact length (a pushed list keeps room for 16 more).
  result.refs = exact(result.refs);
  result.sources = exact(result.sources);
  result.dynamic = exact(result.dynamic);
  result.configs = exact(result.configs);
  result.macroCalls = exact(result.macroCalls);
  return result;
}

/**
 * Whether a statement's first word can matter without a call in it: `raw`, a block opener
 * (`macro`, `materialization`, ...) or, while blocks are open, an `end...` keyword.
 */
function keywordMatters(text: string, bodyStart: number, bodyEnd: number, blocksOpen: boolean): boolean {
  let k = bodyStart;
  for (let c = text.charCodeAt(k); k < bodyEnd && (c <= 32 || (c >= 0x85 && isUnicodeSpace(c))); c = text.charCodeAt(++k));
  if (k >= bodyEnd || !isIdentStart(text.charCodeAt(k))) return false;
  let e = k + 1;
  while (e < bodyEnd && isIdentPart(text.charCodeAt(e))) e++;
  const first = text.charCodeAt(k);
  // Cheap first-letter test before the keyword's text is taken.
  if (first !== 114 && first !== 109 && first !== 116 && first !== 115 && first !== 100 && first !== 101) return false; // r m t s d e
  const keyword = text.slice(k, e);
  if (keyword === 'raw' || BLOCK_OPENERS[keyword] !== undefined) return true;
  return blocksOpen && keyword.startsWith('end');
}

function exact<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}

interface TagExtent {
  bodyStart: number;
  bodyEnd: number;
  /** Offset just past the closer (or where scanning resumes when unterminated). */
  end: number;
}

/** Characters readTag must look at: quotes, either closer's first character, and `{`. */
const TAG_STOP = new Uint8Array(128);
for (const c of `'"}%{`) TAG_STOP[c.charCodeAt(0)] = 1;

/** The extent readTag answers, one object rewritten per tag (read before the next tag is read). */
const tagExtent: TagExtent = { bodyStart: 0, bodyEnd: 0, end: 0 };

function extent(bodyStart: number, bodyEnd: number, end: number): TagExtent {
  tagExtent.bodyStart = bodyStart;
  tagExtent.bodyEnd = bodyEnd;
  tagExtent.end = end;
  return tagExtent;
}

/** Finds the end of a `{{ ... }}` / `{% ... %}` tag, skipping closers inside string literals. */
function readTag(text: string, open: number, closer: string, problems: ScanProblem[]): TagExtent {
  const n = text.length;
  const bodyStart = open + 2;
  let j = bodyStart;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c >= 128 || TAG_STOP[c] === 0) {
      j++;
      continue;
    }
    if (c === 39 || c === 34) {
      const quoteEnd = findQuoteEnd(text, j);
      if (quoteEnd === -1) {
        problems.push({ message: 'Unterminated string literal', span: { start: j, end: lineEnd(text, j) } });
        // Recover: the tag ends at the next closer, ignoring quotes.
        const close = text.indexOf(closer, j + 1);
        if (close === -1) break;
        return extent(bodyStart, close, close + 2);
      }
      j = quoteEnd + 1;
      continue;
    }
    if (c === closer.charCodeAt(0) && text.charCodeAt(j + 1) === CH_RBRACE) {
      return extent(bodyStart, j, j + 2);
    }
    if (c === CH_LBRACE && (text.charCodeAt(j + 1) === CH_LBRACE || text.charCodeAt(j + 1) === CH_PERCENT)) {
      // A new tag opens before this one closed: Jinja rejects this too; resume at the new tag.
      break;
    }
    j++;
  }
  problems.push({
    message: `Unterminated tag: '${text.slice(open, open + 2)}' has no matching '${closer}'`,
    span: { start: open, end: Math.min(lineEnd(text, open), open + 2 + 200) },
  });
  return extent(bodyStart, j, j);
}

function findQuoteEnd(text: string, quoteAt: number): number {
  const quote = text.charCodeAt(quoteAt);
  for (let k = quoteAt + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 92) k++; // backslash escape
    else if (c === quote) return k;
  }
  return -1;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

/** ASCII character classes: identifier start (letters, `_`) and digits. */
const IDENT_START = 1;
const DIGIT = 2;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) CHAR_CLASS[c] = IDENT_START;
  else if (c >= 48 && c <= 57) CHAR_CLASS[c] = DIGIT;
}

function isIdentStart(c: number): boolean {
  return c < 128 && CHAR_CLASS[c] === IDENT_START;
}

function isIdentPart(c: number): boolean {
  return c < 128 && CHAR_CLASS[c] !== 0;
}

/**
 * Token objects reused from one tag to the next: a tag's tokens are read before the next tag is
 * tokenised, and nothing a scan returns holds a token (results copy the strings and spans they need).
 * Tens of thousands of tags per load then allocate no token objects.
 */
const tokenPool: Token[] = [];
/** Tokens past this many in one tag are not pooled: one huge tag must not stay pinned. */
const MAX_POOLED_TOKENS = 4096;

/** The `k`-th token of the current tag. */
function pooledToken(k: number, kind: Tok, start: number, end: number, value: string): Token {
  const t = tokenPool[k];
  if (t === undefined) {
    const fresh = { kind, start, end, value };
    if (k < MAX_POOLED_TOKENS) tokenPool.push(fresh);
    return fresh;
  }
  t.kind = kind;
  t.start = start;
  t.end = end;
  t.value = value;
  return t;
}

/**
 * The current tag's tokens: one list rewritten for every tag (its length set to the tag's count),
 * not a list grown by pushing per tag. Like the tokens, it is read before the next tag is tokenised.
 */
const tagTokens: Token[] = [];

function tokenize(text: string, start: number, end: number, max = Infinity): Token[] {
  const n = text.length;
  const tokens = tagTokens;
  let count = 0;
  let j = start;
  while (j < end && count < max) {
    const c = text.charCodeAt(j);
    if (c <= 32 || (c >= 0x85 && isUnicodeSpace(c))) {
      j++;
      continue;
    }
    if (isIdentStart(c)) {
      let k = j + 1;
      while (k < end && isIdentPart(text.charCodeAt(k))) k++;
      tokens[count] = pooledToken(count, Tok.Ident, j, k, text.slice(j, k));
      count++;
      j = k;
      continue;
    }
    if (c === 39 || c === 34) {
      // findQuoteEnd inline, noting whether an escape needs decoding.
      let k = j + 1;
      let escaped = false;
      for (; k < n; k++) {
        const q = text.charCodeAt(k);
        if (q === 92) {
          escaped = true;
          k++;
        } else if (q === c) break;
      }
      if (k >= n || k >= end) {
        k = end - 1; // unterminated: already reported by readTag
        escaped = true; // the clamped text is decoded as it stands
      }
      const raw = text.slice(j + 1, k);
      tokens[count] = pooledToken(count, Tok.String, j, k + 1, escaped ? decodeString(raw) : raw);
      count++;
      j = k + 1;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let k = j + 1;
      while (k < end && (isIdentPart(text.charCodeAt(k)) || text.charCodeAt(k) === 46)) k++;
      tokens[count] = pooledToken(count, Tok.Number, j, k, text.slice(j, k));
      count++;
      j = k;
      continue;
    }
    // Two-character operators matter only for `**` (kwargs splat) and `==`; keep others single.
    if ((c === 42 || c === 61) && text.charCodeAt(j + 1) === c) {
      tokens[count] = pooledToken(count, Tok.Punct, j, j + 2, text.slice(j, j + 2));
      count++;
      j += 2;
      continue;
    }
    tokens[count] = pooledToken(count, Tok.Punct, j, j + 1, text[j]!);
      count++;
    j++;
  }
  // One huge tag must not keep a huge list: it is dropped for a fresh one.
  if (count > MAX_POOLED_TOKENS) {
    const own = tokens.slice(0, count);
    tagTokens.length = 0;
    return own;
  }
  tokens.length = count;
  return tokens;
}

function decodeString(raw: string): string {
  if (raw.indexOf('\\') === -1) return raw;
  return raw.replace(/\\(.)/g, (_m, ch: string) => ({ n: '\n', t: '\t', r: '\r' })[ch] ?? ch);
}

function countSpaces(text: string, at: number): number {
  let n = 0;
  for (let c = text.charCodeAt(at); c <= 32 || isUnicodeSpace(c); c = text.charCodeAt(at + ++n)) if (Number.isNaN(c)) break;
  return n;
}

/** Whitespace beyond ASCII that Python's Jinja lexer (`\s`) skips inside tags: U+00A0 and the like. */
function isUnicodeSpace(c: number): boolean {
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Index just past the `(...)` signature of a macro/test definition (or 2 when there is none). */
function signatureEnd(tokens: Token[]): number {
  if (tokens[2]?.value !== '(') return 2;
  let depth = 0;
  for (let k = 2; k < tokens.length; k++) {
    const v = tokens[k]!.value;
    if (v === '(' || v === '[' || v === '{') depth++;
    else if (v === ')' || v === ']' || v === '}') {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return tokens.length;
}

function blockDefinition(kind: BlockKind, tokens: Token[], tagStart: number, tagEnd: number): BlockDefinition | undefined {
  const nameTok = tokens[1];
  if (!nameTok || nameTok.kind !== Tok.Ident) return undefined;
  const params: BlockDefinition['params'] = [];
  if ((kind === 'macro' || kind === 'test') && tokens[2]?.value === '(') {
    const end = signatureEnd(tokens) - 1;
    for (const arg of splitArgs(tokens, 3, end)) {
      if (arg.length === 0 || arg[0]!.kind !== Tok.Ident) continue;
      const param: { name: string; defaultText?: string } = { name: arg[0]!.value };
      if (arg[1]?.value === '=' && arg.length > 2) param.defaultText = arg.slice(2).map((t) => t.kind === Tok.String ? JSON.stringify(t.value) : t.value).join('');
      params.push(param);
    }
  }
  const def: BlockDefinition = { kind, name: nameTok.value, nameSpan: { start: nameTok.start, end: nameTok.end }, span: { start: tagStart, end: tagEnd }, params };
  if (kind === 'materialization') {
    // `{% materialization name, default %}` or `..., adapter='snowflake'` (dbt's MaterializationExtension).
    def.adapter = 'default';
    for (let k = 2; k + 2 < tokens.length; k++) {
      if (tokens[k]!.value === 'adapter' && tokens[k + 1]!.value === '=' && tokens[k + 2]!.kind === Tok.String) def.adapter = tokens[k + 2]!.value;
    }
  }
  return def;
}

const NO_KEYS: string[] = Object.freeze([]) as unknown as string[];

/** The end of the argument that starts at `from`: its depth-0 comma, or `to` (splitArgs without the lists). */
function argumentEnd(tokens: Token[], from: number, to: number): number {
  let depth = 0;
  for (let k = from; k < to; k++) {
    const t = tokens[k]!;
    if (t.kind !== Tok.Punct) continue;
    const v = t.value;
    if (v === '(' || v === '[' || v === '{') depth++;
    else if (v === ')' || v === ']' || v === '}') depth--;
    else if (v === ',' && depth === 0) return k;
  }
  return to;
}

/** Splits tokens[from, to) at depth-0 commas. */
function splitArgs(tokens: Token[], from: number, to: number): Token[][] {
  const args: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (let k = from; k < to; k++) {
    const t = tokens[k]!;
    if (t.kind === Tok.Punct) {
      if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
      else if (t.value === ')' || t.value === ']' || t.value === '}') depth--;
      else if (t.value === ',' && depth === 0) {
        args.push(current);
        current = [];
        continue;
      }
    }
    current.push(t);
  }
  if (current.length > 0 || args.length > 0) args.push(current);
  return args;
}

/** Finds the closing paren matching tokens[openAt] ('('); returns tokens.length when unbalanced. */
function matchParen(tokens: Token[], openAt: number): number {
  let depth = 0;
  for (let k = openAt; k < tokens.length; k++) {
    const v = tokens[k]!.value;
    if (v === '(' || v === '[' || v === '{') depth++;
    else if (v === ')' || v === ']' || v === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return tokens.length;
}

function collectCalls(tokens: Token[], result: ScanResult): void {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== Tok.Ident) continue;
    // Only the head of a dotted name: `a.b.c(` is recorded once, as "a.b.c".
    if (k > 0 && tokens[k - 1]!.value === '.') continue;
    let last = k;
    while (tokens[last + 1]?.value === '.' && tokens[last + 2]?.kind === Tok.Ident) last += 2;
    if (tokens[last + 1]?.value !== '(') continue;
    const openAt = last + 1;
    const closeAt = matchParen(tokens, openAt);
    const callSpan = { start: t.start, end: closeAt < tokens.length ? tokens[closeAt]!.end : tokens[tokens.length - 1]!.end };
    const name = last === k ? t.value : tokens.slice(k, last + 1).map((x) => x.value).join('');
    if (name === 'ref') readRef(tokens, openAt, closeAt, callSpan, result);
    else if (name === 'source') readSource(tokens, openAt, closeAt, callSpan, result);
    else if (name === 'config') readConfig(tokens, openAt, closeAt, callSpan, result);
    else if (!NOT_MACROS.has(name) && !(last !== k && isMethodCall(tokens[last]!.value))) {
      result.macroCalls.push({ name, span: { start: t.start, end: tokens[last]!.end } });
    }
  }
}

/**
 * `ref('a')`, `ref('pkg', 'a', v=2)`, `source('s', 't')` or `config(key=literal, ...)` and nothing
 * else: the calls whose recorded arguments are certain without rendering.
 */
function isStaticCall(text: string, tokens: Token[]): boolean {
  const head = tokens[0];
  if (!head || head.kind !== Tok.Ident || tokens[1]?.value !== '(') return false;
  if (head.value !== 'ref' && head.value !== 'source' && head.value !== 'config') return false;
  if (matchParen(tokens, 1) !== tokens.length - 1) return false;
  // The common shapes, `ref('a')` and `source('s', 't')`, without splitting the arguments.
  if (head.value === 'ref' && tokens.length === 4) return isPlainString(text, tokens[2]!);
  if (head.value === 'source' && tokens.length === 6 && tokens[3]!.kind === Tok.Punct && tokens[3]!.value === ',') {
    return isPlainString(text, tokens[2]!) && isPlainString(text, tokens[4]!);
  }
  for (const t of tokens) {
    // Escapes and number spellings are where a scan and Python could read a literal differently.
    if (t.kind === Tok.String && hasBackslash(text, t.start, t.end)) return false;
    if (t.kind === Tok.Number && !/^\d+(\.\d+)?$/.test(t.value)) return false;
  }
  let positional = 0;
  // Each argument is tokens[a, e), read in place.
  const to = tokens.length - 1;
  for (let a = 2; a < to; ) {
    const e = argumentEnd(tokens, a, to);
    const length = e - a;
    if (length === 0) return false;
    if (length >= 3 && tokens[a]!.kind === Tok.Ident && tokens[a + 1]!.value === '=') {
      if (head.value === 'source') return false;
      if (head.value === 'ref' && !((tokens[a]!.value === 'v' || tokens[a]!.value === 'version') && length === 3 && (tokens[a + 2]!.kind === Tok.String || tokens[a + 2]!.kind === Tok.Number))) return false;
      if (parseLiteral(tokens, a + 2, e) === NOT_LITERAL || literalNext !== e) return false;
    } else {
      if (head.value === 'config' || length !== 1 || tokens[a]!.kind !== Tok.String) return false;
      positional++;
    }
    if (e >= to) break;
    a = e + 1;
    // A trailing comma leaves an empty last argument.
    if (a === to) return false;
  }
  if (head.value === 'ref') return positional === 1 || positional === 2;
  if (head.value === 'source') return positional === 2;
  return true;
}

/** A string literal token without escapes (whose value a scan and Python read alike). */
function isPlainString(text: string, t: Token): boolean {
  return t.kind === Tok.String && !hasBackslash(text, t.start, t.end);
}

function hasBackslash(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (text.charCodeAt(k) === 92) return true;
  return false;
}

/** Common Python/Jinja methods: `x.upper()` is not a macro call. */
function isMethodCall(method: string): boolean {
  return /^(upper|lower|strip|lstrip|rstrip|split|replace|startswith|endswith|join|format|items|keys|values|get|update|append|extend|pop|insert)$/.test(method);
}

function readRef(tokens: Token[], openAt: number, closeAt: number, callSpan: Span, result: ScanResult): void {
  if (closeAt === openAt + 2 && tokens[openAt + 1]!.kind === Tok.String) {
    // `ref('a')`, most refs: what the general reading below gives, without splitting the arguments.
    const nameTok = tokens[openAt + 1]!;
    result.refs.push({ name: nameTok.value, span: innerSpan(nameTok), callSpan });
    return;
  }
  const args = splitArgs(tokens, openAt + 1, closeAt);
  const positional: Token[] = [];
  let version: string | undefined;
  for (const arg of args) {
    if (arg.length >= 3 && arg[0]!.kind === Tok.Ident && arg[1]!.value === '=') {
      const key = arg[0]!.value;
      if ((key === 'v' || key === 'version') && arg.length === 3 && (arg[2]!.kind === Tok.String || arg[2]!.kind === Tok.Number)) {
        version = arg[2]!.value;
      }
      continue;
    }
    if (arg.length !== 1 || arg[0]!.kind !== Tok.String) {
      result.dynamic.push({ fn: 'ref', callSpan });
      return;
    }
    positional.push(arg[0]!);
  }
  if (positional.length === 0 || positional.length > 2) {
    result.dynamic.push({ fn: 'ref', callSpan });
    return;
  }
  const nameTok = positional[positional.length - 1]!;
  const ref: RefCall = { name: nameTok.value, span: innerSpan(nameTok), callSpan };
  if (positional.length === 2) ref.packageName = positional[0]!.value;
  if (version !== undefined) ref.version = version;
  result.refs.push(ref);
}

function readSource(tokens: Token[], openAt: number, closeAt: number, callSpan: Span, result: ScanResult): void {
  const a0 = tokens[openAt + 1]!;
  const b0 = tokens[openAt + 3];
  if (closeAt === openAt + 4 && a0.kind === Tok.String && tokens[openAt + 2]!.kind === Tok.Punct && tokens[openAt + 2]!.value === ',' && b0!.kind === Tok.String) {
    // `source('s', 't')`: what the general reading below gives, without splitting the arguments.
    result.sources.push({ source: a0.value, table: b0!.value, sourceSpan: innerSpan(a0), tableSpan: innerSpan(b0!), callSpan });
    return;
  }
  const args = splitArgs(tokens, openAt + 1, closeAt);
  const [a, b] = args;
  if (args.length !== 2 || a!.length !== 1 || b!.length !== 1 || a![0]!.kind !== Tok.String || b![0]!.kind !== Tok.String) {
    result.dynamic.push({ fn: 'source', callSpan });
    return;
  }
  result.sources.push({
    source: a![0]!.value,
    table: b![0]!.value,
    sourceSpan: innerSpan(a![0]!),
    tableSpan: innerSpan(b![0]!),
    callSpan,
  });
}

function readConfig(tokens: Token[], openAt: number, closeAt: number, callSpan: Span, result: ScanResult): void {
  // Most config calls have no dynamic key: they share one empty list (never written to).
  const config: ConfigCall = { values: {}, dynamicKeys: NO_KEYS, keySpans: {}, callSpan };
  // Each argument is tokens[a, e), read in place.
  for (let a = openAt + 1; a < closeAt; ) {
    const e = argumentEnd(tokens, a, closeAt);
    if (e - a >= 3 && tokens[a]!.kind === Tok.Ident && tokens[a + 1]!.value === '=') {
      const key = tokens[a]!.value;
      config.keySpans[key] = { start: tokens[a]!.start, end: tokens[a]!.end };
      const value = parseLiteral(tokens, a + 2, e);
      if (value !== NOT_LITERAL && literalNext === e) config.values[key] = value;
      else (config.dynamicKeys === NO_KEYS ? (config.dynamicKeys = []) : config.dynamicKeys).push(key);
    }
    a = e + 1;
  }
  result.configs.push(config);
}

/** What parseLiteral answers when the tokens are no literal. */
const NOT_LITERAL = Symbol('not a literal');
/** Where the literal parseLiteral just read ends (read right after each call: no result object per literal). */
let literalNext = 0;

/**
 * Python/Jinja literal in tokens[at, end): string, number, bool, none, list, tuple, dict, or
 * NOT_LITERAL. `literalNext` is then the index just past it.
 */
function parseLiteral(tokens: Token[], at: number, end: number): unknown {
  const t = at < end ? tokens[at] : undefined;
  if (!t) return NOT_LITERAL;
  if (t.kind === Tok.String) {
    // Adjacent string literals concatenate, as in Python.
    let value = t.value;
    let next = at + 1;
    while (next < end && tokens[next]!.kind === Tok.String) value += tokens[next++]!.value;
    literalNext = next;
    return value;
  }
  if (t.kind === Tok.Number) {
    const num = Number(t.value.replace(/_/g, ''));
    literalNext = at + 1;
    return Number.isNaN(num) ? NOT_LITERAL : num;
  }
  if (t.value === '-' && at + 1 < end && tokens[at + 1]!.kind === Tok.Number) {
    const inner = parseLiteral(tokens, at + 1, end);
    return inner === NOT_LITERAL ? NOT_LITERAL : -(inner as number);
  }
  if (t.kind === Tok.Ident) {
    const v = t.value;
    literalNext = at + 1;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    if (v === 'none' || v === 'None') return null;
    return NOT_LITERAL;
  }
  if (t.value === '[' || t.value === '(') {
    const close = t.value === '[' ? ']' : ')';
    const items: unknown[] = [];
    let k = at + 1;
    while (k < end && tokens[k]!.value !== close) {
      const item = parseLiteral(tokens, k, end);
      if (item === NOT_LITERAL) return NOT_LITERAL;
      items.push(item);
      k = literalNext;
      if (k < end && tokens[k]!.value === ',') k++;
      else if (!(k < end && tokens[k]!.value === close)) return NOT_LITERAL;
    }
    literalNext = k + 1;
    return k < end ? exact(items) : NOT_LITERAL;
  }
  if (t.value === '{') {
    const obj: Record<string, unknown> = {};
    let k = at + 1;
    while (k < end && tokens[k]!.value !== '}') {
      const key = parseLiteral(tokens, k, end);
      if (key === NOT_LITERAL || !(literalNext < end && tokens[literalNext]!.value === ':')) return NOT_LITERAL;
      const value = parseLiteral(tokens, literalNext + 1, end);
      if (value === NOT_LITERAL) return NOT_LITERAL;
      obj[String(key)] = value;
      k = literalNext;
      if (k < end && tokens[k]!.value === ',') k++;
      else if (!(k < end && tokens[k]!.value === '}')) return NOT_LITERAL;
    }
    literalNext = k + 1;
    return k < end ? obj : NOT_LITERAL;
  }
  return NOT_LITERAL;
}

function innerSpan(stringToken: Token): Span {
  return { start: stringToken.start + 1, end: Math.max(stringToken.start + 1, stringToken.end - 1) };
}
