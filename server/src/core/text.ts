/** Source positions. The core keeps UTF-16 offsets; line/column (0-based) are derived on demand. */
import { compareRoot } from './collation';

export interface Span {
  start: number;
  end: number;
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Maps offsets to 0-based line/character positions in one text. Built lazily, O(lines) once. */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let at = text.indexOf('\n');
    while (at !== -1) {
      starts.push(at + 1);
      at = text.indexOf('\n', at + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.lineStarts[lo]! };
  }

  offset(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line]!;
    const next = position.line + 1 < this.lineStarts.length ? this.lineStarts[position.line + 1]! - 1 : this.text.length;
    return Math.min(start + Math.max(0, position.character), next);
  }

  range(span: Span): Range {
    return { start: this.position(span.start), end: this.position(span.end) };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line] ?? this.text.length;
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1]! - 1 : this.text.length;
    return this.text.slice(start, next).replace(/\r$/, '');
  }
}

/** The two rows of the distance table, reused across calls (grown when a name is longer). */
let rowA = new Float64Array(64);
let rowB = new Float64Array(64);

/**
 * Levenshtein distance, computed only within `limit` of the diagonal (cells farther away cannot
 * lead to a result within the limit), so "did you mean" over 10k names stays cheap while typing.
 * Returns limit + 1 when the distance exceeds the limit.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length > 0 && a.length <= 32) {
    const d = bitParallelDistance(a, b);
    return d > limit ? limit + 1 : d;
  }
  const band = Number.isFinite(limit) ? limit : Math.max(a.length, b.length);
  const big = limit + 1;
  if (rowA.length <= b.length) {
    rowA = new Float64Array(b.length + 1);
    rowB = new Float64Array(b.length + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j <= band ? j : big;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - band);
    const to = Math.min(b.length, i + band);
    cur[0] = i <= band ? i : big;
    if (from > 1) cur[from - 1] = big;
    let rowMin = cur[0]!;
    const ca = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (to < b.length) cur[to + 1] = big;
    if (rowMin > limit) return limit + 1;
    const swap = prev;
    prev = cur;
    cur = swap;
  }
  return Math.min(prev[b.length]!, big);
}

/** Per UTF-16 code unit, the positions of `a` holding it (bit i: a[i]); cleared after each use. */
let positions: Int32Array | undefined;

/**
 * The exact Levenshtein distance for `a` of 1 to 32 code units, one column of the table per
 * character of `b` held in the bits of a few integers (Myers 1999, Hyyrö 2003): "did you mean"
 * compares a name with hundreds of others, ~10x faster than filling the table cell by cell.
 */
function bitParallelDistance(a: string, b: string): number {
  const peq = (positions ??= new Int32Array(65536));
  const m = a.length;
  for (let i = 0; i < m; i++) peq[a.charCodeAt(i)]! |= 1 << i;
  const last = 1 << (m - 1);
  let pv = -1;
  let mv = 0;
  let score = m;
  for (let j = 0; j < b.length; j++) {
    const eq = peq[b.charCodeAt(j)]!;
    const xv = eq | mv;
    // Carries only run upwards: the bits above m - 1 never reach the ones that count.
    const xh = (((eq & pv) + pv) ^ pv) | eq;
    let ph = mv | ~(xh | pv);
    let mh = pv & xh;
    // Without branches: a branch no search took yet would make V8 drop its optimized code there.
    score += ((ph & last) >>> (m - 1)) - ((mh & last) >>> (m - 1));
    ph = (ph << 1) | 1;
    mh <<= 1;
    pv = mh | ~(xv | ph);
    mv = ph & xv;
  }
  for (let i = 0; i < m; i++) peq[a.charCodeAt(i)] = 0;
  return score;
}

/** Character counts of the name being matched (ASCII; other characters are not counted). */
const bag = new Int32Array(128);

/**
 * A lower bound of the edit distance from the name whose ASCII characters are counted in `bag`
 * (`length` characters) to `b`: characters of one that the other lacks must each be edited.
 * Undefined when either text has a non-ASCII character.
 */
function bagDistance(length: number, b: string): number | undefined {
  let matched = 0;
  let k = 0;
  for (; k < b.length; k++) {
    const c = b.charCodeAt(k);
    if (c >= 128) break;
    if (bag[c]! > 0) matched++;
    bag[c]!--;
  }
  for (let r = 0; r < k; r++) bag[b.charCodeAt(r)]!++;
  if (k < b.length) return undefined;
  return Math.max(length - matched, b.length - matched);
}

/**
 * The character counts of names, for the bag distance without reading the names: name k's distinct
 * characters and their counts are the pairs `pairs[at[k]]`, `pairs[at[k] + 1]`, ... up to `at[k + 1]`;
 * a name with a character outside ASCII has `ascii[k] = 0` and no pairs (no bound from it).
 */
interface Counts {
  at: Int32Array;
  pairs: Int32Array;
  ascii: Uint8Array;
}

/** Scratch for `countsOf`: counts by character, and the characters seen. */
const tally = new Int32Array(128);
const seen = new Uint8Array(128);

function countsOf(lower: readonly string[]): Counts {
  let size = 0;
  for (const name of lower) size += 2 * name.length;
  const at = new Int32Array(lower.length + 1);
  const pairs = new Int32Array(size);
  const plain = new Uint8Array(lower.length);
  let end = 0;
  for (let k = 0; k < lower.length; k++) {
    const name = lower[k]!;
    let distinct = 0;
    let ascii = true;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 128) {
        ascii = false;
        break;
      }
      if (tally[c]++ === 0) seen[distinct++] = c;
    }
    at[k] = end;
    plain[k] = ascii ? 1 : 0;
    for (let d = 0; d < distinct; d++) {
      const c = seen[d]!;
      if (ascii) {
        pairs[end++] = c;
        pairs[end++] = tally[c]!;
      }
      tally[c] = 0;
    }
  }
  at[lower.length] = end;
  return { at, pairs, ascii: plain };
}

/** Names of one lower-cased length: as given, lower-cased, their positions in the original list, and their character counts once a search needed them. */
interface Bucket {
  names: string[];
  lower: string[];
  index: number[];
  counts?: Counts;
}

/**
 * Names prepared for repeated "did you mean" searches: lower-cased once and grouped by length, so
 * a search looks only at names whose length is within its limit. For a list asked about on every
 * keystroke (a project's ref names).
 */
export class NameIndex {
  /** By lower-cased length: the names, their lower-cased forms and their positions in the original list. */
  private readonly byLength = new Map<number, Bucket>();

  constructor(names: Iterable<string>) {
    let index = 0;
    for (const name of names) {
      const lower = name.toLowerCase();
      let bucket = this.byLength.get(lower.length);
      if (!bucket) this.byLength.set(lower.length, (bucket = { names: [], lower: [], index: [] }));
      bucket.names.push(name);
      bucket.lower.push(lower);
      bucket.index.push(index++);
    }
  }

  /**
   * Suggestions already computed, by name: one unknown name is often in thousands of nodes (a
   * macro edit that refs it re-renders them all), and the names never change.
   */
  readonly suggested = new Map<string, string[]>();

  /**
   * One search whose answer is not kept, for idle time after a load (~15 ms CPU at 10k names): the
   * first "did you mean" of a session otherwise runs before V8 has optimized the distance code,
   * 3-5x slower (12-20 ms CPU at 10k names), inside the keystroke that typed the unknown name.
   */
  warm(): void {
    let common: string | undefined;
    let most = 0;
    for (const bucket of this.byLength.values()) {
      if (bucket.names.length > most) {
        most = bucket.names.length;
        common = bucket.lower[0];
      }
    }
    // A name of the most common length, changed so that no name equals it.
    if (common !== undefined) closest(`${common.slice(1)}\u0001`, this, 3);
  }

  /**
   * The group of names whose lower-cased length is `length`, if any. A search visits the lengths
   * nearest its name's first: the best found so far bounds the distance, and a whole group farther
   * in length than that bound is skipped unread.
   */
  ofLength(length: number): Bucket | undefined {
    return this.byLength.get(length);
  }
}

/** The closest candidates to `name` (case-insensitive), best first; empty when nothing is close. */
export function suggest(name: string, candidates: Iterable<string> | NameIndex, max = 3): string[] {
  if (!(candidates instanceof NameIndex)) return closest(name, candidates, max);
  const key = `${max}\u0000${name}`;
  let found = candidates.suggested.get(key);
  if (!found) {
    // Bounded: a long session types many names.
    if (candidates.suggested.size >= 10_000) candidates.suggested.clear();
    candidates.suggested.set(key, (found = closest(name, candidates, max)));
  }
  return [...found];
}

function closest(name: string, candidates: Iterable<string> | NameIndex, max: number): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  // The `max` best so far, best first. A prefix of many names (typing `ref('silver_mod`) is close
  // to thousands of them: keeping only the best costs a comparison each, not a sort of them all.
  const best: Array<[number, string, number]> = [];
  // Once `max` are found, a name farther than the worst of them cannot enter.
  let bound = limit;
  // Ties in the order the names were given (as a plain scan would list them).
  const before = (x: [number, string, number], y: [number, string, number]): boolean => (x[0] - y[0] || compareRoot(x[1], y[1]) || x[2] - y[2]) < 0;
  // The bag-distance filter before any distance: it rules out most names for a few steps a character,
  // fewer than the bit-parallel distance takes (in a cold CLI run, where both run interpreted, ~9.4 ->
  // ~5.9 ms for 21 searches among 233 names; warm, 0.86 -> 0.65 ms a search among ~9k names).
  let bagged = true;
  for (let k = 0; bagged && k < lower.length; k++) if (lower.charCodeAt(k) >= 128) bagged = false;
  if (bagged) for (let k = 0; k < lower.length; k++) bag[lower.charCodeAt(k)]!++;
  const consider = (c: string, other: string, index: number, counted = false): void => {
    if (max <= 0 || Math.abs(other.length - lower.length) > bound) return;
    // The bag distance never exceeds the edit distance: most names are ruled out without the table.
    if (bagged && !counted && (bagDistance(lower.length, other) ?? 0) > bound) return;
    const d = editDistance(lower, other, bound);
    if (d > bound) return;
    const found: [number, string, number] = [d, c, index];
    if (best.length === max && !before(found, best[max - 1]!)) return;
    let at = best.length === max ? max - 1 : best.length;
    while (at > 0 && before(found, best[at - 1]!)) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = found;
    if (best.length === max) bound = best[max - 1]![0];
  };
  try {
    if (candidates instanceof NameIndex) {
      // Lengths by their distance from the name's (0, -1, +1, -2, +2, ...): no length farther than
      // the bound can hold a name within it, and the bound only shrinks.
      for (let step = 0; step <= 2 * limit; step++) {
        const off = (step + 1) >> 1;
        if (off > bound) break;
        const length = step % 2 === 1 ? lower.length - off : lower.length + off;
        const bucket = candidates.ofLength(length);
        if (!bucket) continue;
        if (!bagged) {
          for (let k = 0; k < bucket.names.length; k++) consider(bucket.names[k]!, bucket.lower[k]!, bucket.index[k]!);
          continue;
        }
        // The bag distance from counts made once per name (a loop over its distinct characters, not two
        // over all of them): the same bound, ~3x fewer steps in a cold CLI run, where this runs interpreted.
        const { at, pairs, ascii } = (bucket.counts ??= countsOf(bucket.lower));
        for (let k = 0; k < bucket.names.length; k++) {
          if (ascii[k] === 1) {
            let matched = 0;
            for (let p = at[k]!, to = at[k + 1]!; p < to; p += 2) {
              const have = bag[pairs[p]!]!;
              const want = pairs[p + 1]!;
              matched += have < want ? have : want;
            }
            if (Math.max(lower.length - matched, length - matched) > bound) continue;
          }
          consider(bucket.names[k]!, bucket.lower[k]!, bucket.index[k]!, true);
        }
      }
    } else {
      let index = 0;
      for (const c of candidates) consider(c, c.toLowerCase(), index++);
    }
  } finally {
    if (bagged) for (let k = 0; k < lower.length; k++) bag[lower.charCodeAt(k)]!--;
  }
  return best.map(([, c]) => c);
}

/**
 * The same string, stored as one flat string. A name built by concatenation (`${a}.${b}`) is a
 * chain of pieces that keeps every piece alive; reading a character makes V8 flatten it in place,
 * and the next GC drops the chain. For the ids and names a big project keeps per node (tens of
 * thousands): ~170 bytes less each, and less for the GC to copy.
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
