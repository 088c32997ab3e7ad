/**
 * Checks and times the YAML fast path on a generated project:
 *   node out/bench/generate-project.js /tmp/bench10k 10000
 *   node out/bench/yaml-fast-bench.js /tmp/bench10k
 * or on every yml of a real project (packages included; target/, logs/ and hidden folders skipped):
 *   node out/bench/yaml-fast-bench.js /work/public-dbt/projects/ol_dbt --all
 * Every file read must take the fast path and equal the library's tree (values and spans); then
 * the fast path, the library and `parseYaml` (what the product calls: fast path, else library)
 * are timed over all the files (best of several passes; MB/s of file bytes).
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseYamlFast } from '../server/src/core/yaml-fast';
import { parseYaml, parseYamlFully, type YNode } from '../server/src/core/yaml-tree';

const SKIPPED_DIRS = new Set(['target', 'logs', 'node_modules']);

function ymlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    // lstat: a symlinked package (tuva's `../`) would loop.
    if (lstatSync(full).isDirectory()) {
      if (!SKIPPED_DIRS.has(name) && !name.startsWith('.')) ymlFiles(full, out);
    } else if (name.endsWith('.yml') || name.endsWith('.yaml')) out.push(full);
  }
  return out;
}

function shape(node: YNode | undefined): unknown {
  if (!node) return node;
  const span = [node.span.start, node.span.end];
  switch (node.kind) {
    case 'scalar':
      return { scalar: node.value, span };
    case 'seq':
      return { seq: node.items.map(shape), span };
    case 'map':
      return { map: [...node.entries].map(([k, e]) => [k, [e.keySpan.start, e.keySpan.end], shape(e.value)]), span };
  }
}

function time(texts: string[], parse: (t: string) => unknown, minMs: number): number {
  let runs = 0;
  let best = Infinity;
  const startAll = performance.now();
  while (runs < 3 || performance.now() - startAll < minMs) {
    const t0 = performance.now();
    for (const t of texts) parse(t);
    best = Math.min(best, performance.now() - t0);
    runs++;
  }
  return best;
}

function main(): void {
  const root = process.argv[2] ?? '/tmp/bench10k';
  const files = process.argv.includes('--all') ? ymlFiles(root) : [join(root, 'dbt_project.yml'), ...ymlFiles(join(root, 'models'))];
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  const chars = texts.reduce((n, t) => n + t.length, 0);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);

  let mismatches = 0;
  let bails = 0;
  for (let i = 0; i < files.length; i++) {
    const fast = parseYamlFast(texts[i]!);
    if (!fast) {
      bails++;
      if (bails <= 5) process.stdout.write(`fast path bailed: ${files[i]}\n`);
      continue;
    }
    const slow = parseYamlFully(texts[i]!);
    if (slow.problems.length > 0 || !isDeepStrictEqual(shape(fast.root), shape(slow.root))) {
      mismatches++;
      if (mismatches <= 5) process.stdout.write(`MISMATCH: ${files[i]}\n`);
    }
  }
  process.stdout.write(`${files.length} files, ${(bytes / 1e6).toFixed(2)} MB (${chars} UTF-16 chars): ${files.length - bails - mismatches} equal on the fast path, ${bails} bailed, ${mismatches} mismatched\n`);

  const fastMs = time(texts, parseYamlFast, 2000);
  const slowMs = time(texts, parseYamlFully, 3000);
  const productMs = time(texts, parseYaml, 2000);
  const mbps = (ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(1);
  process.stdout.write(`fast path: ${fastMs.toFixed(1)} ms  ${mbps(fastMs)} MB/s\n`);
  process.stdout.write(`library:   ${slowMs.toFixed(1)} ms  ${mbps(slowMs)} MB/s\n`);
  process.stdout.write(`parseYaml: ${productMs.toFixed(1)} ms  ${mbps(productMs)} MB/s\n`);
  process.stdout.write(`speed-up:  ${(slowMs / fastMs).toFixed(1)}x\n`);
  if (bails > 0 || mismatches > 0) process.exitCode = 1;
}

main();
