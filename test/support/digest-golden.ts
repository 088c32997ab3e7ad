/**
 * Digest goldens: a function's output over every test input with given extensions and seeded
 * mutations of each, one line per input (`path content-hash digest mutations-digest`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { mulberry32 } from '../../server/src/sample/generator';
import { assertGolden } from './golden';

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

export interface DigestGolden {
  /** Folder of the inputs; golden lines name paths relative to it. */
  root: string;
  golden: string;
  extensions: string[];
  /** A short digest of the output for one text. */
  digest: (text: string) => string;
  /** Mutation sets per input (seeds path-hash, path-hash + 1, ...); default 1. */
  seedsPerFile?: number;
  inserts?: string[];
  /** What is pinned, for messages: "parse", "scan". */
  what: string;
}

function digestLine(g: DigestGolden, file: string): string {
  const path = relative(g.root, file);
  const text = readFileSync(file, 'utf8');
  const content = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const seed = parseInt(createHash('sha256').update(path).digest('hex').slice(0, 8), 16);
  const mutated = createHash('sha256');
  for (let s = 0; s < (g.seedsPerFile ?? 1); s++) for (const m of mutations(text, seed + s, g.inserts)) mutated.update(g.digest(m));
  return `${path} ${content} ${g.digest(text)} ${mutated.digest('hex').slice(0, 16)}`;
}

/** Compares every pinned input whose content is unchanged (UPDATE_GOLDENS=1 rewrites the golden). */
export function assertDigestGolden(g: DigestGolden): void {
  const inputs = inputFiles(g.root, g.extensions);
  assert.ok(inputs.length > 500, `expected the repository's test inputs, found ${inputs.length}`);
  if (process.env.UPDATE_GOLDENS === '1') {
    assertGolden(g.golden, inputs.map((f) => digestLine(g, f)).join('\n') + '\n');
    return;
  }
  // Inputs others add or edit later are not pinned (their golden line names another content
  // hash): the pinned set is what the code is held to.
  const pinned = readFileSync(g.golden, 'utf8').split('\n').filter(Boolean);
  const present = new Set(inputs.map((f) => relative(g.root, f)));
  let compared = 0;
  const differing: string[] = [];
  for (const expected of pinned) {
    const [path, content] = expected.split(' ');
    if (!present.has(path!)) continue;
    const actual = digestLine(g, join(g.root, path!));
    if (actual.split(' ')[1] !== content) continue;
    compared++;
    if (actual !== expected) differing.push(`${expected}  !=  ${actual}`);
  }
  assert.ok(compared > 500, `only ${compared} pinned inputs left unchanged: regenerate the golden (UPDATE_GOLDENS=1) with code known to be right`);
  assert.deepEqual(differing, [], `the ${g.what} of these inputs changed`);
}
