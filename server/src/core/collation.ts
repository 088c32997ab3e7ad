/**
 * Unicode's root collation order (CLDR root, what Intl.Collator and localeCompare give under English
 * and C locales) for file paths and names, without ICU for the usual ones. The first collator a
 * process builds loads ICU's collation data: 10-30 ms of every CLI run that sorts diagnostics by
 * file. Text made only of ASCII letters, digits and `_ - . /` has one collation element per
 * character in the root collation and no contraction, so comparing it needs only those characters'
 * primary weights, then case (lower before upper); any other text goes to a root collator, made on
 * first use. The same order whatever the user's locale.
 */

/** Primary weights in root order (`_` < `-` < `.` < `/` < digits < letters; a letter's cases share one); 0: not handled here. */
const PRIMARY = new Uint8Array(128);
{
  let weight = 1;
  for (const c of '_-./0123456789') PRIMARY[c.charCodeAt(0)] = weight++;
  for (let i = 0; i < 26; i++) PRIMARY[97 + i] = PRIMARY[65 + i] = weight++;
}

let rootCollator: Intl.Collator | undefined;

/** -1, 0 or 1 as Intl.Collator('und').compare gives them. */
export function compareRoot(a: string, b: string): number {
  if (a === b) return 0;
  if (!plain(a) || !plain(b)) return Math.sign((rootCollator ??= new Intl.Collator('und')).compare(a, b));
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const pa = PRIMARY[a.charCodeAt(i)]!;
    const pb = PRIMARY[b.charCodeAt(i)]!;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  // Equal but for case: the first difference decides, lower case first (root's tertiary level).
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return ca > cb ? -1 : 1;
  }
  return 0;
}

function plain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || PRIMARY[c] === 0) return false;
  }
  return true;
}
