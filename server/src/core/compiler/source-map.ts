/**
 * Which model line each compiled line comes from. Lines the renderer left untouched match
 * exactly (a line diff, longest common subsequence); a rendered line maps to the template
 * line it replaced (the start of its changed hunk). Good enough to place an engine's
 * "LINE n" on the model and to keep the cursor in step in the compiled view.
 */

/** Result[i] = 0-based template line of compiled line i. */
export function mapCompiledLines(template: string, compiled: string): number[] {
  const a = template.split('\n').map((l) => l.trim());
  const b = compiled.split('\n').map((l) => l.trim());
  // Very large files: fall back to proportional mapping rather than a quadratic table.
  if (a.length * b.length > 4_000_000) return b.map((_, i) => Math.min(a.length - 1, Math.floor((i * a.length) / Math.max(1, b.length))));
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * cols + j] = a[i] === b[j] && a[i] !== '' ? lcs[(i + 1) * cols + j + 1]! + 1 : Math.max(lcs[(i + 1) * cols + j]!, lcs[i * cols + j + 1]!);
    }
  }
  const map = new Array<number>(b.length).fill(-1);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j] && a[i] !== '') {
      map[j] = i;
      i++;
      j++;
    } else if (lcs[(i + 1) * cols + j]! >= lcs[i * cols + j + 1]!) i++;
    else j++;
  }
  // A run of rendered lines between two matches maps, in order, onto the template lines between them.
  for (let k = 0; k < map.length; ) {
    if (map[k] !== -1) {
      k++;
      continue;
    }
    let end = k;
    while (end < map.length && map[end] === -1) end++;
    const from = k > 0 ? map[k - 1]! + 1 : 0;
    const to = end < map.length ? map[end]! - 1 : a.length - 1;
    for (let r = k; r < end; r++) map[r] = Math.max(0, Math.min(from + (r - k), Math.max(from, to)));
    k = end;
  }
  return map;
}
