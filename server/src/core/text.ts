/** Source positions. The core keeps UTF-16 offsets; line/column (0-based) are derived on demand. */

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

/** The closest candidates to `name` (case-insensitive), best first; empty when nothing is close. */
export function suggest(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  const scored: Array<[number, string]> = [];
  let ascii = true;
  for (let k = 0; k < lower.length; k++) if (lower.charCodeAt(k) >= 128) ascii = false;
  if (ascii) for (let k = 0; k < lower.length; k++) bag[lower.charCodeAt(k)]!++;
  try {
    for (const c of candidates) {
      const other = c.toLowerCase();
      if (Math.abs(other.length - lower.length) > limit) continue;
      // The bag distance never exceeds the edit distance: most names are ruled out without the table.
      if (ascii && (bagDistance(lower.length, other) ?? 0) > limit) continue;
      const d = editDistance(lower, other, limit);
      if (d <= limit) scored.push([d, c]);
    }
  } finally {
    if (ascii) for (let k = 0; k < lower.length; k++) bag[lower.charCodeAt(k)]!--;
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  return scored.slice(0, max).map(([, c]) => c);
}
