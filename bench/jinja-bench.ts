/**
 * Times the Jinja engine on a real project folder (not a test; no timing assertions):
 *   node out/bench/jinja-bench.js <project dir> [runs=15] [--render] [--digest]
 * - lex, lex+parse and scan (core/scanner.ts) of every .sql file under the folder (packages
 *   included; target/, dbt_packages' own target/ and logs/ skipped): median ms over `runs` and
 *   MB/s of UTF-8 text; for scan also the median process CPU time (steadier on a shared machine);
 * - with --render: analyzeProject (load + graph, the parse-time render included) as the loader
 *   does it, and in verify mode (every SQL node rendered), median of a few runs;
 * - with --digest: a SHA-256 over every file's AST and syntax diagnostics (canonical JSON), and one
 *   over every file's scan() result, to check that a change leaves the results byte-identical.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeProject } from '../server/src/core/analysis';
import { parse } from '../server/src/core/jinja';
import { lexInto, TokenBuffer } from '../server/src/core/jinja/lexer';
import { scan } from '../server/src/core/scanner';
import { astJson } from '../test/support/jinja-ast-json';
import { NodeFileHost } from '../server/src/node/fs-host';

const SKIP = new Set(['target', 'logs', 'node_modules', '.git']);

/** Every .sql file under `dir`, each folder walked once: symlinked folders are followed, but a link back into a walked folder (tuva's dbt_packages) is not. */
function sqlFiles(dir: string, out: string[] = [], walked = new Set<string>()): string[] {
  const real = realpathSync(dir);
  if (walked.has(real)) return out;
  walked.add(real);
  for (const name of readdirSync(dir).sort()) {
    if (SKIP.has(name)) continue;
    const full = join(dir, name);
    let st;
    try {
      st = statSync(full, { throwIfNoEntry: false });
    } catch {
      continue; // a link that loops onto itself (ELOOP): nothing to read
    }
    if (!st) continue;
    if (st.isDirectory()) sqlFiles(full, out, walked);
    else if (name.endsWith('.sql')) out.push(full);
  }
  return out;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function timeRuns(runs: number, fn: () => void, cpu: number[] = []): number {
  fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return median(times);
}

function main(): void {
  const args = process.argv.slice(2);
  const root = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
  const runs = Number(args.filter((a) => !a.startsWith('--'))[1] ?? 15);
  const files = sqlFiles(root);
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const mb = bytes / 1e6;
  const out = (s: string): boolean => process.stdout.write(s + '\n');
  out(`${root}: ${files.length} .sql files, ${mb.toFixed(2)} MB`);

  // One buffer for every file, as the parser reuses one.
  const tokens = new TokenBuffer();
  const lexMs = timeRuns(runs, () => {
    for (const t of texts) lexInto(t, tokens);
  });
  const parseMs = timeRuns(runs, () => {
    for (const t of texts) parse(t);
  });
  out(`lex:        ${lexMs.toFixed(1)} ms median of ${runs}  ${(mb / (lexMs / 1000)).toFixed(1)} MB/s`);
  out(`lex+parse:  ${parseMs.toFixed(1)} ms median of ${runs}  ${(mb / (parseMs / 1000)).toFixed(1)} MB/s`);
  const scanCpu: number[] = [];
  const scanMs = timeRuns(runs, () => {
    for (const t of texts) scan(t);
  }, scanCpu);
  out(`scan:       ${scanMs.toFixed(1)} ms median of ${runs}  ${(mb / (scanMs / 1000)).toFixed(1)} MB/s  (CPU ${median(scanCpu).toFixed(1)} ms median)`);

  if (args.includes('--digest')) {
    const hash = createHash('sha256');
    let diagnostics = 0;
    for (let i = 0; i < files.length; i++) {
      const r = parse(texts[i]!);
      diagnostics += r.diagnostics.length;
      hash.update(files[i]!.slice(root.length) + '\0' + astJson(r.template) + '\0' + JSON.stringify(r.diagnostics) + '\0');
    }
    out(`digest:     ${hash.digest('hex')} (${diagnostics} syntax diagnostics)`);
    const scans = createHash('sha256');
    for (let i = 0; i < files.length; i++) scans.update(files[i]!.slice(root.length) + '\0' + JSON.stringify(scan(texts[i]!)) + '\0');
    out(`scan digest: ${scans.digest('hex')}`);
  }

  if (args.includes('--render')) {
    const host = new NodeFileHost();
    const loadRuns = Math.max(3, Math.min(runs, 7));
    let nodes = 0;
    // Alternated, after one warm-up of each, so that neither gets the other's warmed-up JIT.
    analyzeProject(host, root);
    analyzeProject(host, root, { verifyParse: true });
    const load: number[] = [];
    const verify: number[] = [];
    for (let i = 0; i < loadRuns; i++) {
      let t0 = performance.now();
      nodes = analyzeProject(host, root).project.nodes.size;
      load.push(performance.now() - t0);
      t0 = performance.now();
      analyzeProject(host, root, { verifyParse: true });
      verify.push(performance.now() - t0);
    }
    out(`load+graph: ${median(load).toFixed(0)} ms median of ${loadRuns} (${nodes} nodes)`);
    out(`verify:     ${median(verify).toFixed(0)} ms median of ${loadRuns} (every SQL node rendered)`);
  }
}

main();
