/**
 * Fast path for the YAML that dbt projects actually contain. `parseYaml` (yaml-tree.ts) runs the
 * full `yaml` library at ~3 MB/s; this hand-written parser reads the common subset straight into
 * YNodes at tens of MB/s and produces exactly the tree the library path produces: same shape, same
 * JS scalar values, and the same spans (the library's `range[0]..range[1]`).
 *
 * Whenever the text uses anything outside the subset, or anything the library would report as an
 * error or warning, `parseYamlFast` returns undefined and the caller uses the library instead.
 *
 * Handled: comments, blank lines, one optional leading `---`, block maps (plain/'single'/"double"
 * quoted keys), block sequences (incl. `- key: v` compact maps and sequences at their parent key's
 * indent), flow sequences and maps (may span lines, no comments inside, a flow map key may have no
 * value), plain scalars (multi-line folding), single- and double-quoted scalars (escapes, `\` line
 * continuation, multi-line, also inside flow collections), block scalars `|` `>` with
 * chomping and indentation indicators, PyYAML's (YAML 1.1) scalar resolution, CRLF line ends.
 * Anchors (`&a`, not on keys or empty values), aliases (`*a`: the anchored YNode itself, shared)
 * and merge keys (`<<`, resolved by yaml-dbt.ts as PyYAML does); a repeated key is a warning
 * there too.
 * Bails on: tags, `?` keys, anchors on keys or empty values, anchor names outside
 * [A-Za-z0-9_.-], unknown aliases, merges of non-mappings, directives, more than one document,
 * tabs outside quoted scalars/comments/block scalar content, comments and
 * multi-line plain scalars inside flow collections, empty flow sequence items, multi-line implicit keys,
 * root scalars or a root indented past column 0, control characters, and anything malformed.
 *
 * How spans are reproduced. The library's node range is [start, valueEnd, nodeEnd]; YNode spans
 * use start..valueEnd. A block collection's valueEnd is the nodeEnd of its last item, so nodeEnd is
 * tracked here as `lastEnd2`:
 * - a flow scalar / flow collection in block context owns the rest of its line (spaces, comment,
 *   newline) plus any following comment lines indented deeper than the collection holding it
 *   (with the blank lines before them) -- the parser's "indented comment" rule;
 * - a block scalar ends where its source ends; an empty value is a zero-width node after `: ` that
 *   owns all trivia up to the next content, ending there if that trivia holds a comment;
 * - other trailing blank/comment lines ("trivia") after a collection's last item stay in that
 *   collection (extending its nodeEnd up to the next content token) only if the collection's indent
 *   is > 0 and some trailing comment is indented at least as far as the collection; otherwise
 *   they move up to the parent, which applies the same rule.
 */
import type { ParsedYaml, YamlProblem, YMap, YNode, YScalar, YSeq } from './yaml-tree';
import type { Span } from './text';
import { duplicateKeyProblem, mergeEntries, resolvePlainScalar, type MapEntry } from './yaml-dbt';

const SP = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DOT = 46;
const PLUS = 43;
const SQUOTE = 39;
const DQUOTE = 34;
const BACKSLASH = 92;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const PIPE = 124;
const GT = 62;
const AMP = 38;
const STAR = 42;
const BANG = 33;
const PERCENT = 37;
const AT = 64;
const BACKTICK = 96;
const QMARK = 63;

const MAX_DEPTH = 100;
/** Control characters (the library's lexer uses some as internal markers) and BOMs. */
const BAD_CHARS = /[^\t\n\r\x20-\x7e\x80-\ufefe\uff00-\uffff]/;
const LONE_CR = /\r(?!\n)/;

const BAIL = { bail: true };
function bail(): never {
  throw BAIL;
}

// Parser state (the parser is synchronous and not re-entrant).
let src = '';
let len = 0;
/** After a value: position of the next content character (first non-space of its line), or len. */
let pos = 0;
/** Indent of the line at `pos`, or -1 at end of input. */
let curIndent = -1;
/** End of the last finished node including what the library attaches to it (range[2]). */
let lastEnd2 = 0;
/** Pending trailing trivia after the last value: has a comment, max comment indent, end. */
let tHas = false;
let tMax = -1;
let tEnd = 0;
/**
 * Lowest indent at which the last trivia lowered the lexer's `indentNext` (its parseLineStart
 * quirk: a blank line before a column-0 character, or a `#x` comment line), else Infinity.
 */
let tLow = Infinity;
let depth = 0;
let docStartAllowed = false;
/** Anchored nodes by name; PENDING while the anchored node is being read (an alias to it then bails). */
let anchors = new Map<string, YNode | typeof PENDING>();
const PENDING = Symbol('pending');
/** Warnings (duplicate keys); anything worse bails. */
let problems: YamlProblem[] = [];
// Results of scanKey.
let kKey = '';
let kKeyEnd = 0;
let kColon = 0;
// Results of flow parsing.
let flowEnd = 0;
let itemEnd = 0;
// Result of scanPlainBlock: 1 when the scalar stopped at a `: ` indicator.
let plainStop = 0;
let plainFirstLF = -1;

/** Parses the common YAML subset straight into YNodes. Returns undefined when the text uses anything outside the subset or anything it is not sure about (the caller then uses the full library); never throws. */
export function parseYamlFast(text: string): ParsedYaml | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    anchors = new Map();
    problems = [];
    const root = parseDocument(text);
    return { root, problems: problems.sort((a, b) => a.span.start - b.span.start) };
  } catch {
    return undefined;
  } finally {
    src = '';
    len = 0;
    anchors = new Map();
    problems = [];
  }
}

function parseDocument(text: string): YNode | undefined {
  src = text;
  len = text.length;
  depth = 0;
  tHas = false;
  if (BAD_CHARS.test(text) || (text.indexOf('\r') >= 0 && LONE_CR.test(text))) bail();
  docStartAllowed = true;
  scanTrivia(0, -1);
  docStartAllowed = false;
  if (curIndent < 0) return undefined;
  if (curIndent !== 0) bail();
  let c = src.charCodeAt(pos);
  if ((c === DASH || c === DOT) && isDocMarker(pos)) {
    if (c === DOT) bail();
    scanTrivia(lineRest(pos + 3), -1);
    if (curIndent !== 0) bail();
    c = src.charCodeAt(pos);
  }
  const root = c === DASH && isEmptyAt(pos + 1) ? parseBlockSeq(0) : parseBlockMap(0, false);
  if (curIndent >= 0) bail();
  return root;
}

// ---------------------------------------------------------------------------------------------
// Lines and trivia

function isEmptyAt(i: number): boolean {
  if (i >= len) return true;
  const c = src.charCodeAt(i);
  return c === SP || c === LF || c === CR || c === TAB;
}

function isDocMarker(p: number): boolean {
  const c = src.charCodeAt(p);
  return src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === c && isEmptyAt(p + 3);
}

function isSeqIndicator(p: number): boolean {
  return src.charCodeAt(p) === DASH && isEmptyAt(p + 1);
}

/**
 * Skips blank and comment lines from line start `p` up to the next content line, setting `pos`,
 * `curIndent` and the pending trivia. Comment lines indented deeper than `absorbIndent` (>= 0),
 * before any other comment, belong to the preceding flow value: returns the end of the last such
 * line, or -1.
 */
function scanTrivia(p: number, absorbIndent: number): number {
  let absorbEnd = -1;
  let absorbing = absorbIndent >= 0;
  let has = false;
  let max = -1;
  let low = Infinity;
  for (;;) {
    let q = p;
    let c = 0;
    while (q < len && (c = src.charCodeAt(q)) === SP) q++;
    if (q >= len) {
      pos = len;
      curIndent = -1;
      break;
    }
    if (c === LF || c === CR) {
      const next = c === LF ? q + 1 : q + 2; // always \r\n (lone CRs bail up front)
      if (!isEmptyAt(next) && q - p < low) low = q - p;
      p = next;
      continue;
    }
    if (c === HASH) {
      const indent = q - p;
      if (!isEmptyAt(q + 1) && indent < low) low = indent;
      const e = src.indexOf('\n', q);
      const lineEnd = e < 0 ? len : e + 1;
      if (absorbing && indent > absorbIndent) absorbEnd = lineEnd;
      else {
        absorbing = false;
        has = true;
        if (indent > max) max = indent;
      }
      p = lineEnd;
      continue;
    }
    if (c === TAB) bail();
    pos = q;
    curIndent = q - p;
    if (curIndent === 0 && (c === DASH || c === DOT) && !docStartAllowed && isDocMarker(q)) bail();
    break;
  }
  tHas = has;
  tMax = max;
  tEnd = pos;
  tLow = low;
  return absorbEnd;
}

/** The rest of a line after a value: spaces, an optional comment, the line break. Returns the next line's start. */
function lineRest(p: number): number {
  let q = p;
  let c = 0;
  while (q < len && (c = src.charCodeAt(q)) === SP) q++;
  if (q >= len) return len;
  if (c === LF) return q + 1;
  if (c === CR) return q + 2;
  if (c === HASH && q > p) {
    const e = src.indexOf('\n', q);
    return e < 0 ? len : e + 1;
  }
  return bail();
}

/** After a flow scalar/collection whose line ends at `le`: its range end, then the following trivia. */
function finishFlowish(le: number, c: number): void {
  const a = scanTrivia(le, c);
  lastEnd2 = a > le ? a : le;
}

/** The lexer's continueScalar (indentNext > 0): start of the continuation, or -1. */
function continueScalar(offset: number, indentNext: number): number {
  let q = offset;
  while (q < len && src.charCodeAt(q) === SP) q++;
  if (q >= len) return q - offset >= indentNext ? q : -1;
  const ch = src.charCodeAt(q);
  if (ch === CR && src.charCodeAt(q + 1) === LF) return q + 1;
  return ch === LF || q - offset >= indentNext ? q : -1;
}

function hasCharBetween(code: number, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (src.charCodeAt(i) === code) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Block collections

function parseBlockMap(c: number, preScanned: boolean): YMap {
  if (++depth > MAX_DEPTH) bail();
  const start = pos;
  const entries = new Map<string, MapEntry>();
  let merges: Array<{ keySpan: Span; value: YNode }> | undefined;
  let override = false;
  for (let first = true; ; first = false) {
    const keyStart = pos;
    if (!preScanned) {
      const k = src.charCodeAt(keyStart);
      if (k !== SQUOTE && k !== DQUOTE && badBlockPlainStart(k, keyStart)) bail();
      if (scanKey(keyStart) < 0) bail();
    }
    preScanned = false;
    const key = kKey;
    const keySpan = { start: keyStart, end: kKeyEnd };
    if (first && key === '<<') override = true;
    const value = parseValue(c, kColon + 1, false, false);
    if (key === '<<' && kKeyEnd === keyStart + 2) (merges ??= []).push({ keySpan, value });
    else {
      if (!override && entries.has(key)) problems.push(duplicateKeyProblem(key, keySpan));
      entries.set(key, { keySpan, value });
    }
    if (curIndent === c) {
      if (isSeqIndicator(pos)) bail();
      continue;
    }
    if (curIndent > c) bail();
    break;
  }
  const end = lastEnd2;
  closeCollection(c);
  depth--;
  return { kind: 'map', span: { start, end }, entries: merges ? (mergeEntries(merges, entries, !override, problems) ?? bail()) : entries };
}

function parseBlockSeq(c: number): YSeq {
  if (++depth > MAX_DEPTH) bail();
  const start = pos;
  const items: YNode[] = [];
  for (let first = true; ; first = false) {
    // Comments pending before this item's dash belong to the item (they matter if it is empty).
    items.push(parseValue(c, pos + 1, true, !first && tHas));
    if (curIndent === c && isSeqIndicator(pos)) continue;
    if (curIndent > c) bail();
    break;
  }
  const end = lastEnd2;
  closeCollection(c);
  depth--;
  return { kind: 'seq', span: { start, end }, items };
}

/** A closing collection keeps trailing trivia when it is indented and holds a comment at its indent or deeper. */
function closeCollection(c: number): void {
  if (tHas && c > 0 && tMax >= c) {
    lastEnd2 = tEnd;
    tHas = false;
  }
}

function badBlockPlainStart(k: number, p: number): boolean {
  switch (k) {
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case AMP:
    case STAR:
    case BANG:
    case PIPE:
    case GT:
    case SQUOTE:
    case DQUOTE:
    case PERCENT:
    case AT:
    case BACKTICK:
    case SP:
    case TAB:
    case LF:
    case CR:
      return true;
    case DASH:
    case QMARK:
    case COLON:
      return isEmptyAt(p + 1);
    default:
      return k !== k; // NaN: end of input
  }
}

/**
 * If a single-line implicit key followed by `:` starts at p, sets kKey/kKeyEnd/kColon and returns
 * the colon's position; otherwise -1. The caller checked the first character.
 */
function scanKey(p: number): number {
  const k = src.charCodeAt(p);
  if (k === SQUOTE || k === DQUOTE) {
    const close = findQuoteClose(p, k);
    if (close < 0 || hasCharBetween(LF, p, close)) return -1;
    let q = close + 1;
    while (q < len && src.charCodeAt(q) === SP) q++;
    if (src.charCodeAt(q) !== COLON || !isEmptyAt(q + 1)) return -1;
    kKey = k === SQUOTE ? singleQuoted(p + 1, close) : doubleQuoted(p + 1, close);
    kKeyEnd = close + 1;
    kColon = q;
    return q;
  }
  let end = p;
  let i = p;
  for (;;) {
    if (++i >= len) return -1;
    const ch = src.charCodeAt(i);
    if (ch === COLON) {
      if (isEmptyAt(i + 1)) break;
      end = i;
    } else if (ch === SP) {
      if (src.charCodeAt(i + 1) === HASH) return -1;
    } else if (ch === LF || ch === CR) return -1;
    else if (ch === TAB) bail();
    else end = i;
  }
  kKeyEnd = end + 1;
  kColon = i;
  kKey = keyString(src.slice(p, end + 1));
  return i;
}

/**
 * A map value (after `:`) or sequence item (after `-`); p is just past the indicator. `c` is the
 * indent of the collection holding the value; `preComment` tells whether comments before the
 * item's indicator are part of its properties.
 */
function parseValue(c: number, p: number, inSeq: boolean, preComment: boolean): YNode {
  let q = p;
  let ch = 0;
  while (q < len && (ch = src.charCodeAt(q)) === SP) q++;
  if (ch === AMP && q < len) {
    // An anchor: the value after it (on this line, or on the next ones) is the anchored node.
    const nameEnd = scanAnchorName(q + 1, false);
    const name = defineAnchor(q + 1, nameEnd);
    let r = nameEnd;
    while (r < len && (ch = src.charCodeAt(r)) === SP) r++;
    const node = r < len && ch !== LF && ch !== CR && ch !== HASH ? parseNodeAt(r, c, -1, false) : parseValue(c, nameEnd, inSeq, preComment);
    // An empty value keeps no anchor here (the library's span for it differs): leave it to the library.
    if (node.kind === 'scalar' && node.value === null && node.span.start === node.span.end) bail();
    anchors.set(name, node);
    return node;
  }
  if (ch === STAR && q < len) {
    const nameEnd = scanAnchorName(q + 1, false);
    const node = aliased(q + 1, nameEnd);
    finishFlowish(lineRest(nameEnd), c);
    return node;
  }
  if (q < len && ch !== LF && ch !== CR && ch !== HASH) return parseNodeAt(q, c, inSeq ? c + 1 + (q - p) : -1, false);
  // Nothing (but maybe a comment) on this line: the value is on the next lines, or empty.
  let le: number;
  if (q >= len) le = len;
  else if (ch === HASH) {
    const e = src.indexOf('\n', q);
    le = e < 0 ? len : e + 1;
  } else le = ch === LF ? q + 1 : q + 2;
  const lineComment = q < len && ch === HASH;
  scanTrivia(le, -1);
  if (curIndent > c) {
    if (isSeqIndicator(pos)) return parseBlockSeq(curIndent);
    // A value on its own line is scanned with the lexer's indentNext, which the trivia may have lowered.
    return parseNodeAt(pos, c, curIndent, tLow <= c);
  }
  if (curIndent === c && !inSeq && isSeqIndicator(pos)) return parseBlockSeq(c);
  // An empty value: the trivia after it belongs to it; when that holds a comment the library's
  // node end (relevant when this is the collection's last item) runs up to the next content.
  lastEnd2 = preComment || lineComment || tHas ? tEnd : q;
  tHas = false;
  return { kind: 'scalar', span: { start: q, end: q }, value: null };
}

/** PyYAML refuses a second anchor of the same name (the library allows it): that text is the library's. */
function defineAnchor(start: number, end: number): string {
  const name = src.slice(start, end);
  if (anchors.has(name)) bail();
  anchors.set(name, PENDING);
  return name;
}

function aliased(start: number, end: number): YNode {
  const node = anchors.get(src.slice(start, end));
  return node === undefined || node === PENDING ? bail() : node;
}

/** End of an anchor or alias name starting at p: [A-Za-z0-9_.-]+, then a space, line end or (in flow) `,]}`. */
function scanAnchorName(p: number, inFlow: boolean): number {
  let i = p;
  for (; i < len; i++) {
    const ch = src.charCodeAt(i);
    if (!((ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || (ch >= 48 && ch <= 57) || ch === 95 || ch === DASH || ch === DOT)) break;
  }
  if (i === p) bail();
  if (i < len) {
    const ch = src.charCodeAt(i);
    if (!(ch === SP || ch === LF || ch === CR || (inFlow && (ch === COMMA || ch === RBRACKET || ch === RBRACE)))) bail();
  }
  return i;
}

/**
 * A value starting at q inside the block collection with indent c. When keyIndent >= 0 a key
 * there starts a block map at that indent (compact `- key: v`, or a map on the next line);
 * with noScalar only such a map is accepted.
 */
function parseNodeAt(q: number, c: number, keyIndent: number, noScalar: boolean): YNode {
  const ch = src.charCodeAt(q);
  switch (ch) {
    case SQUOTE:
    case DQUOTE:
      if (keyIndent >= 0 && scanKey(q) >= 0) {
        pos = q;
        return parseBlockMap(keyIndent, true);
      }
      if (noScalar) bail();
      return parseQuotedValue(q, c);
    case LBRACKET:
    case LBRACE:
      if (noScalar) bail();
      return parseFlowValue(q, c);
    case PIPE:
    case GT:
      if (noScalar) bail();
      return parseBlockScalar(q, c);
    case TAB:
    case COMMA:
    case RBRACKET:
    case RBRACE:
    case AMP:
    case STAR:
    case BANG:
    case PERCENT:
    case AT:
    case BACKTICK:
      return bail();
    case DASH:
    case QMARK:
    case COLON:
      if (isEmptyAt(q + 1)) bail();
      break;
  }
  if (keyIndent >= 0 && scanKey(q) >= 0) {
    pos = q;
    return parseBlockMap(keyIndent, true);
  }
  if (noScalar) bail();
  const end = scanPlainBlock(q, c + 1);
  if (plainStop) bail();
  const raw = src.slice(q, end);
  const value = plainFirstLF >= 0 && plainFirstLF < end ? resolvePlain(unfoldLines(raw)) : resolvePlain(raw);
  finishFlowish(lineRest(end), c);
  return { kind: 'scalar', span: { start: q, end }, value };
}

/** The lexer's plain-scalar scan in block context; returns the end of the scalar's source. */
function scanPlainBlock(start: number, indentNext: number): number {
  let end = start;
  let i = start;
  plainStop = 0;
  plainFirstLF = -1;
  for (;;) {
    if (++i >= len) break;
    let ch = src.charCodeAt(i);
    if (ch === COLON) {
      if (isEmptyAt(i + 1)) {
        plainStop = 1;
        break;
      }
      end = i;
    } else if (ch === SP || ch === LF || ch === CR) {
      if (ch === CR) {
        i++;
        ch = LF;
      }
      if (src.charCodeAt(i + 1) === HASH) break;
      if (ch === LF) {
        if (plainFirstLF < 0) plainFirstLF = i;
        const cs = continueScalar(i + 1, indentNext);
        if (cs === -1) break;
        if (cs - 2 > i) i = cs - 2;
      }
    } else if (ch === TAB) bail();
    else end = i;
  }
  return end + 1;
}

function findQuoteClose(p: number, k: number): number {
  if (k === SQUOTE) {
    let e = src.indexOf("'", p + 1);
    while (e !== -1 && src.charCodeAt(e + 1) === SQUOTE) e = src.indexOf("'", e + 2);
    return e;
  }
  let e = src.indexOf('"', p + 1);
  while (e !== -1) {
    let b = 0;
    while (src.charCodeAt(e - 1 - b) === BACKSLASH) b++;
    if (b % 2 === 0) break;
    e = src.indexOf('"', e + 1);
  }
  return e;
}

function parseQuotedValue(q: number, c: number): YScalar {
  const k = src.charCodeAt(q);
  const close = findQuoteClose(q, k);
  if (close < 0) bail();
  checkQuotedLines(q, close, c + 1);
  const value = k === SQUOTE ? singleQuoted(q + 1, close) : doubleQuoted(q + 1, close);
  const end = close + 1;
  finishFlowish(lineRest(end), c);
  return { kind: 'scalar', span: { start: q, end }, value };
}

/** A quoted scalar spanning lines: every continuation line is indented to `indentNext` (or blank), and no tabs. */
function checkQuotedLines(q: number, close: number, indentNext: number): void {
  let nl = src.indexOf('\n', q);
  if (nl === -1 || nl > close) return;
  for (; nl !== -1 && nl < close; nl = src.indexOf('\n', nl + 1)) {
    if (continueScalar(nl + 1, indentNext) === -1) bail();
  }
  if (hasCharBetween(TAB, q, close)) bail();
}

function parseFlowValue(q: number, c: number): YNode {
  const node = parseFlow(q, c + 1, 1);
  finishFlowish(lineRest(flowEnd), c);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Block scalars (ports of the lexer's parseBlockScalar and the composer's resolveBlockScalar)

function parseBlockScalar(hp: number, c: number): YScalar {
  const folded = src.charCodeAt(hp) === GT;
  let i = hp + 1;
  let chomp = 0; // 0 clip, 1 strip, 2 keep
  let explicit = 0;
  for (; i < len; i++) {
    const ch = src.charCodeAt(i);
    if (ch === SP || ch === LF || ch === CR || ch === TAB || ch === HASH) break;
    if (chomp === 0 && (ch === DASH || ch === PLUS)) chomp = ch === DASH ? 1 : 2;
    else if (explicit === 0 && ch >= 49 && ch <= 57) explicit = ch - 48;
    else bail();
  }
  const bpos = lineRest(i);
  if (bpos >= len) bail();
  // Lexer: find the first content line, then continue while lines are indented enough or blank.
  let nl = bpos - 1;
  let indent = 0;
  let j = bpos;
  for (; j < len; j++) {
    const ch = src.charCodeAt(j);
    if (ch === SP) indent++;
    else if (ch === LF) {
      nl = j;
      indent = 0;
    } else if (ch !== CR) break;
  }
  if (j >= len || src.charCodeAt(j) === TAB || indent < c + 1) bail();
  const indentNext = explicit ? explicit + c : indent;
  do {
    const cs = continueScalar(nl + 1, indentNext);
    if (cs === -1) break;
    nl = src.indexOf('\n', cs);
  } while (nl !== -1);
  if (nl === -1) nl = len;
  if (nl < j) bail();
  let k = nl + 1;
  while (k < len && src.charCodeAt(k) === SP) k++;
  if (k < len && src.charCodeAt(k) === TAB) bail();
  if (chomp !== 2) {
    for (;;) {
      let m = nl - 1;
      let ch = src.charCodeAt(m);
      if (ch === CR) ch = src.charCodeAt(--m);
      const lastChar = m;
      while (ch === SP) ch = src.charCodeAt(--m);
      if (ch === LF && m >= bpos && m + 1 + indent > lastChar) nl = m;
      else break;
    }
  }
  const end = nl + 1 < len ? nl + 1 : len;
  const value = blockScalarValue(src.slice(bpos, end), folded, chomp, explicit, c);
  lastEnd2 = end;
  scanTrivia(end, -1);
  return { kind: 'scalar', span: { start: hp, end }, value };
}

function blockScalarValue(source: string, folded: boolean, chomp: number, explicit: number, c: number): string {
  const lines = splitLines(source);
  let chompStart = lines.length;
  for (let i = lines.length - 1; i >= 0; --i) {
    const content = lines[i]![1];
    if (content === '' || content === '\r') chompStart = i;
    else break;
  }
  if (chompStart === 0) bail();
  let trimIndent = c + explicit;
  let contentStart = 0;
  for (let i = 0; i < chompStart; ++i) {
    const [indent, content] = lines[i]!;
    if (content === '' || content === '\r') {
      if (explicit === 0 && indent.length > trimIndent) trimIndent = indent.length;
    } else {
      if (indent.length < trimIndent) bail();
      if (explicit === 0) trimIndent = indent.length;
      contentStart = i;
      if (trimIndent === 0) bail();
      break;
    }
  }
  for (let i = lines.length - 1; i >= chompStart; --i) {
    if (lines[i]![0].length > trimIndent) chompStart = i + 1;
  }
  let value = '';
  let sep = '';
  let prevMoreIndented = false;
  for (let i = 0; i < contentStart; ++i) value += lines[i]![0].slice(trimIndent) + '\n';
  for (let i = contentStart; i < chompStart; ++i) {
    const indent = lines[i]![0];
    let content = lines[i]![1];
    if (content.charCodeAt(content.length - 1) === CR) content = content.slice(0, -1);
    if (content && indent.length < trimIndent) bail();
    if (!folded) {
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
    } else if (indent.length > trimIndent || content.charCodeAt(0) === TAB) {
      if (sep === ' ') sep = '\n';
      else if (!prevMoreIndented && sep === '\n') sep = '\n\n';
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
      prevMoreIndented = true;
    } else if (content === '') {
      if (sep === '\n') value += '\n';
      else sep = '\n';
    } else {
      value += sep + content;
      sep = ' ';
      prevMoreIndented = false;
    }
  }
  if (chomp === 2) {
    for (let i = chompStart; i < lines.length; ++i) value += '\n' + lines[i]![0].slice(trimIndent);
    if (value.charCodeAt(value.length - 1) !== LF) value += '\n';
  } else if (chomp === 0) value += '\n';
  return value;
}

function splitLines(source: string): [string, string][] {
  const split = source.split(/\n( *)/);
  const first = split[0]!;
  let i0 = 0;
  while (first.charCodeAt(i0) === SP) i0++;
  const lines: [string, string][] = [[first.slice(0, i0), first.slice(i0)]];
  for (let i = 1; i < split.length; i += 2) lines.push([split[i]!, split[i + 1]!]);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Flow collections

function isFlowInd(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

function isEmptyCode(c: number): boolean {
  return c === SP || c === LF || c === CR || c === TAB || c !== c;
}

/** Spaces and line breaks inside a flow collection; lines must stay indented past the parent. */
function skipFlowWs(i: number, indentNext: number, level: number): number {
  for (;;) {
    let ch = src.charCodeAt(i);
    while (ch === SP) ch = src.charCodeAt(++i);
    if (ch === LF || ch === CR) {
      i += ch === CR ? 2 : 1;
      let ind = 0;
      while ((ch = src.charCodeAt(i)) === SP) {
        i++;
        ind++;
      }
      if (ch === LF || ch === CR) continue;
      if (i >= len || ch === TAB || ch === HASH) bail();
      if (ind < indentNext && !(ind === indentNext - 1 && level === 1 && (ch === RBRACKET || ch === RBRACE))) bail();
      return i;
    }
    if (ch === TAB || ch === HASH) bail();
    return i;
  }
}

function parseFlow(p: number, indentNext: number, level: number): YNode {
  if (++depth > MAX_DEPTH) bail();
  const isMap = src.charCodeAt(p) === LBRACE;
  const close = isMap ? RBRACE : RBRACKET;
  const entries = isMap ? new Map<string, MapEntry>() : undefined;
  let merges: Array<{ keySpan: Span; value: YNode }> | undefined;
  let override = false;
  const items: YNode[] = [];
  let i = skipFlowWs(p + 1, indentNext, level);
  if (src.charCodeAt(i) !== close) {
    for (;;) {
      if (entries) {
        const k = src.charCodeAt(i);
        const keyStart = i;
        let key: string;
        let quoted = false;
        if (k === SQUOTE || k === DQUOTE) {
          const e = findQuoteClose(i, k);
          if (e < 0 || hasCharBetween(LF, i, e)) bail();
          key = k === SQUOTE ? singleQuoted(i + 1, e) : doubleQuoted(i + 1, e);
          i = e + 1;
          quoted = true;
        } else {
          if (badFlowPlainStart(k, i)) bail();
          const e = scanPlainFlow(i, indentNext);
          key = keyString(src.slice(i, e));
          i = e;
        }
        const keySpan = { start: keyStart, end: i };
        while (src.charCodeAt(i) === SP) i++;
        let value: YNode;
        if ((src.charCodeAt(i) === COMMA || src.charCodeAt(i) === close) && key !== '<<') {
          // A key without a value (`{b: 1, c}`): null, placed at the key's end as the composer places it.
          value = { kind: 'scalar', span: { start: keySpan.end, end: keySpan.end }, value: null };
          itemEnd = i;
        } else {
          if (src.charCodeAt(i) !== COLON || (!quoted && !isEmptyAt(i + 1))) bail();
          const colon = i;
          i = skipFlowWs(i + 1, indentNext, level);
          value = src.charCodeAt(i) === COMMA || src.charCodeAt(i) === close ? emptyFlowValue(colon, i) : parseFlowItem(i, indentNext, level);
        }
        if (entries.size === 0 && !merges && key === '<<') override = true;
        if (key === '<<' && !quoted) (merges ??= []).push({ keySpan, value });
        else {
          if (!override && entries.has(key)) problems.push(duplicateKeyProblem(key, keySpan));
          entries.set(key, { keySpan, value });
        }
      } else {
        items.push(parseFlowSeqEntry(i, indentNext, level, close));
      }
      i = skipFlowWs(itemEnd, indentNext, level);
      const ch = src.charCodeAt(i);
      if (ch === COMMA) {
        i = skipFlowWs(i + 1, indentNext, level);
        if (src.charCodeAt(i) === close) break;
        continue;
      }
      if (ch === close) break;
      bail();
    }
  }
  flowEnd = i + 1;
  depth--;
  const span = { start: p, end: i + 1 };
  if (!entries) return { kind: 'seq', span, items };
  return { kind: 'map', span, entries: merges ? (mergeEntries(merges, entries, !override, problems) ?? bail()) : entries };
}

/**
 * One entry of a flow sequence: a node, or a single-pair mapping (`[k: v]`, `[name: x, other]`),
 * which PyYAML and the library both read as `{k: v}` spanning from the key to the value's end.
 * Only a one-line scalar key is taken here; an anchored, aliased or collection key bails.
 */
function parseFlowSeqEntry(i: number, indentNext: number, level: number, close: number): YNode {
  const first = src.charCodeAt(i);
  const item = parseFlowItem(i, indentNext, level);
  let j = itemEnd;
  while (src.charCodeAt(j) === SP) j++;
  if (src.charCodeAt(j) !== COLON) return item;
  const quoted = first === SQUOTE || first === DQUOTE;
  if (item.kind !== 'scalar' || first === AMP || first === STAR || (!quoted && !isEmptyAt(j + 1) && !isFlowInd(src.charCodeAt(j + 1))) || hasCharBetween(LF, item.span.start, item.span.end)) bail();
  const key = quoted ? (item.value as string) : keyString(src.slice(item.span.start, item.span.end));
  if (key === '<<') bail();
  const colon = j;
  const v = skipFlowWs(j + 1, indentNext, level);
  const value = src.charCodeAt(v) === COMMA || src.charCodeAt(v) === close ? emptyFlowValue(colon, v) : parseFlowItem(v, indentNext, level);
  const entries = new Map<string, MapEntry>([[key, { keySpan: { start: item.span.start, end: item.span.end }, value }]]);
  return { kind: 'map', span: { start: item.span.start, end: value.span.end }, entries };
}

/**
 * A flow map key with no value (`{ "id": , x: 1 }`): null, placed where the composer places an
 * empty node, just past the colon and the spaces after it on its line.
 */
function emptyFlowValue(colon: number, next: number): YScalar {
  let at = colon + 1;
  while (src.charCodeAt(at) === SP) at++;
  itemEnd = next;
  return { kind: 'scalar', span: { start: at, end: at }, value: null };
}

function parseFlowItem(i: number, indentNext: number, level: number): YNode {
  const ch = src.charCodeAt(i);
  if (ch === AMP || ch === STAR) {
    const nameEnd = scanAnchorName(i + 1, true);
    if (ch === STAR) {
      itemEnd = nameEnd;
      return aliased(i + 1, nameEnd);
    }
    const name = defineAnchor(i + 1, nameEnd);
    let r = nameEnd;
    while (src.charCodeAt(r) === SP) r++;
    const next = src.charCodeAt(r);
    if (r >= len || next === LF || next === CR || next === COMMA || next === RBRACKET || next === RBRACE || next === AMP || next === STAR) bail();
    const node = parseFlowItem(r, indentNext, level);
    anchors.set(name, node);
    return node;
  }
  if (ch === SQUOTE || ch === DQUOTE) {
    const e = findQuoteClose(i, ch);
    if (e < 0) bail();
    checkQuotedLines(i, e, indentNext);
    const value = ch === SQUOTE ? singleQuoted(i + 1, e) : doubleQuoted(i + 1, e);
    itemEnd = e + 1;
    return { kind: 'scalar', span: { start: i, end: e + 1 }, value };
  }
  if (ch === LBRACKET || ch === LBRACE) {
    const node = parseFlow(i, indentNext, level + 1);
    itemEnd = flowEnd;
    return node;
  }
  if (badFlowPlainStart(ch, i)) bail();
  const e = scanPlainFlow(i, indentNext);
  itemEnd = e;
  return { kind: 'scalar', span: { start: i, end: e }, value: resolvePlain(src.slice(i, e)) };
}

function badFlowPlainStart(k: number, p: number): boolean {
  if (k === DASH || k === QMARK || k === COLON) {
    const nx = src.charCodeAt(p + 1);
    return isEmptyCode(nx) || isFlowInd(nx);
  }
  return badBlockPlainStart(k, p);
}

/** The lexer's plain-scalar scan inside a flow collection; bails on multi-line scalars. */
function scanPlainFlow(start: number, indentNext: number): number {
  let end = start;
  let i = start;
  let firstLF = -1;
  for (;;) {
    if (++i >= len) break;
    let ch = src.charCodeAt(i);
    if (ch === COLON) {
      const nx = src.charCodeAt(i + 1);
      if (isEmptyCode(nx) || isFlowInd(nx)) break;
      end = i;
    } else if (ch === SP || ch === LF || ch === CR) {
      if (ch === CR) {
        i++;
        ch = LF;
      }
      const nx = src.charCodeAt(i + 1);
      if (nx === HASH || isFlowInd(nx)) break;
      if (ch === LF) {
        if (firstLF < 0) firstLF = i;
        const cs = continueScalar(i + 1, indentNext);
        if (cs === -1) break;
        if (cs - 2 > i) i = cs - 2;
      }
    } else if (ch === TAB) bail();
    else if (isFlowInd(ch)) break;
    else end = i;
  }
  if (firstLF >= 0 && firstLF < end) bail();
  return end + 1;
}

// ---------------------------------------------------------------------------------------------
// Scalar values

/** Untagged plain scalars resolve as PyYAML resolves them (yaml-dbt.ts). */
const resolvePlain = resolvePlainScalar;

function keyString(raw: string): string {
  const v = resolvePlain(raw);
  return typeof v === 'string' ? v : String(v);
}

function singleQuoted(a: number, b: number): string {
  const inner = src.slice(a, b);
  if (!hasCharBetween(LF, a, b)) return hasCharBetween(SQUOTE, a, b) ? inner.replace(/''/g, "'") : inner;
  return unfoldLines(inner).replace(/''/g, "'");
}

function doubleQuoted(a: number, b: number): string {
  for (let i = a; i < b; i++) {
    const ch = src.charCodeAt(i);
    if (ch === BACKSLASH || ch === LF) return doubleQuotedValue(src.slice(a - 1, b + 1));
  }
  return src.slice(a, b);
}

/** The composer's line folding for plain and single-quoted scalars. */
function unfoldLines(source: string): string {
  const line = /(.*?)\r?\n/sy;
  let match = line.exec(source);
  if (!match) return source;
  const trimEnd = /(?<![ \t])[ \t]+$/;
  const trimBoth = /^[ \t]+|(?<![ \t])[ \t]+$/g;
  let res = match[1]!.replace(trimEnd, '');
  let sep = ' ';
  let p = line.lastIndex;
  while ((match = line.exec(source))) {
    const lm = match[1]!.replace(trimBoth, '');
    if (lm === '') {
      if (sep === '\n') res += sep;
      else sep = '\n';
    } else {
      res += sep + lm;
      sep = ' ';
    }
    p = line.lastIndex;
  }
  const last = /[ \t]*(.*)/sy;
  last.lastIndex = p;
  match = last.exec(source);
  return res + sep + (match?.[1] ?? '');
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

/** The composer's double-quoted scalar value; bails where it would report an error. */
function doubleQuotedValue(source: string): string {
  let res = '';
  for (let i = 1; i < source.length - 1; ++i) {
    const ch = source[i]!;
    if (ch === '\r' && source[i + 1] === '\n') continue;
    if (ch === '\n') {
      let fold = '';
      let next = source[i + 1];
      while (next === ' ' || next === '\t' || next === '\n' || next === '\r') {
        if (next === '\r' && source[i + 2] !== '\n') break;
        if (next === '\n') fold += '\n';
        i += 1;
        next = source[i + 1];
      }
      res += fold || ' ';
    } else if (ch === '\\') {
      let next = source[++i];
      const cc = next === undefined || !Object.prototype.hasOwnProperty.call(ESCAPES, next) ? undefined : ESCAPES[next];
      if (cc) res += cc;
      else if (next === '\n') {
        next = source[i + 1];
        while (next === ' ' || next === '\t') next = source[++i + 1];
      } else if (next === '\r' && source[i + 1] === '\n') {
        next = source[++i + 1];
        while (next === ' ' || next === '\t') next = source[++i + 1];
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = source.substr(i + 1, length);
        if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) bail();
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) bail();
        res += String.fromCodePoint(code);
        i += length;
      } else bail();
    } else if (ch === ' ' || ch === '\t') {
      const wsStart = i;
      let next = source[i + 1];
      while (next === ' ' || next === '\t') next = source[++i + 1];
      if (next !== '\n' && !(next === '\r' && source[i + 2] === '\n')) res += i > wsStart ? source.slice(wsStart, i + 1) : ch;
    } else res += ch;
  }
  return res;
}
