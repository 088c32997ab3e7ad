/** Seeded inputs for digest goldens: every test input with given extensions, and mutations of each. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../server/src/sample/generator';

/** Files under dir whose names end with one of extensions, in a stable (code-unit) order. */
export function inputFiles(dir: string, extensions: string[], out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) inputFiles(full, extensions, out);
    else if (extensions.some((e) => entry.name.endsWith(e))) out.push(full);
  }
  return out;
}

export const JINJA_INSERTS = ['{{', '}}', '{%', '%}', '{#', '#}', '{%-', '-%}', "'", '"', '\\', '(', ')', '[', ']', '{', '}', ',', '|', ' if ', ' endif ', 'endfor', ' is ', 'not ', '-', '.', '1.5e', '0x', 'é', '\u00a0'];

/** Five variants of text: truncated, a span cut out, and tag characters inserted at random places. */
export function mutations(text: string, seed: number, inserts = JINJA_INSERTS): string[] {
  const rand = mulberry32(seed);
  const at = (): number => Math.floor(rand() * (text.length + 1));
  const out: string[] = [];
  out.push(text.slice(0, at()));
  const a = at();
  out.push(text.slice(0, a) + text.slice(Math.min(text.length, a + 1 + Math.floor(rand() * 40))));
  for (let k = 0; k < 3; k++) {
    let t = text;
    for (let i = 0; i < 1 + k; i++) {
      const p = Math.floor(rand() * (t.length + 1));
      t = t.slice(0, p) + inserts[Math.floor(rand() * inserts.length)]! + t.slice(p);
    }
    out.push(t);
  }
  return out;
}
