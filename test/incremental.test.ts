/**
 * Incremental edits must give exactly what a full reload gives. Thousands of random edits to
 * model files (refs renamed, added, removed, broken Jinja, random bytes): after each, the
 * incrementally updated analysis is compared with a fresh load of the same texts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject, type Analysis } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { updateModelText } from '../server/src/core/incremental';
import type { Diagnostic } from '../server/src/core/diagnostics';
import { ScanCache } from '../server/src/core/loader';
import { testPath } from './support/golden';

function sampleFiles(): Record<string, string> {
  const root = testPath('..', 'models');
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        if (!['target', 'landing-data', 'logs'].includes(name)) walk(full);
      } else if (/\.(sql|yml|csv)$/.test(name)) out[relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

/** What must agree: every node's parents, and every diagnostic. */
function fingerprint(a: Analysis): string {
  const deps = [...a.project.nodes.values()].map((n) => `${n.uniqueId} <- ${[...n.dependsOn].sort().join(',')}`).sort();
  const diags = a.diagnostics.map((d) => `${d.file}:${d.span?.start ?? ''}-${d.span?.end ?? ''} ${d.code} ${d.message}`).sort();
  return [...deps, '--', ...diags].join('\n');
}

describe('incremental model edits equal a full reload', () => {
  it('regression: a model that held a NUL byte and is restored loses its binary-file problem', () => {
    const files = sampleFiles();
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    const file = 'models/silver/silver_orders.sql';
    host.set(`/p/${file}`, files[file] + '\u0000');
    let analysis = analyzeProject(host, '/p', { cache });
    assert.ok(analysis.diagnostics.some((d) => d.code === 'binary-file'));
    host.set(`/p/${file}`, files[file]!);
    if (!updateModelText(analysis, file, files[file]!, cache)) analysis = analyzeProject(host, '/p', { cache });
    assert.deepEqual(analysis.diagnostics, []);
  });

  it('3,000 random edits to model SQL', () => {
    const files = sampleFiles();
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    let analysis = analyzeProject(host, '/p', { cache });
    const models = Object.keys(files).filter((f) => f.startsWith('models/') && f.endsWith('.sql'));
    const names = ['bronze_orders', 'bronze_users', 'silver_orders', 'silver_products', 'gold_daily_sales', 'product_categories', 'nope', 'bronze_order'];
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let incremental = 0;
    for (let i = 0; i < 3000; i++) {
      const file = models[rand(models.length)]!;
      let text = host.read(`/p/${file}`).kind === 'text' ? (host.read(`/p/${file}`) as { text: string }).text : '';
      switch (rand(6)) {
        case 0:
          text += `\n-- depends_on: {{ ref('${names[rand(names.length)]}') }}`;
          break;
        case 1:
          text = text.replace(/ref\('([a-z_]+)'\)/, () => `ref('${names[rand(names.length)]}')`);
          break;
        case 2:
          text = text.replace(/\n-- depends_on: \{\{ ref\('[a-z_]+'\) \}\}/, '');
          break;
        case 3:
          text = text.slice(0, rand(text.length + 1)) + ['{{', "'", '{%', '}}', ')', '\u0000'][rand(6)] + text.slice(rand(text.length + 1));
          break;
        case 4:
          text = files[file]!;
          break;
        default:
          text += `\nunion all select * from {{ source('landing', '${['orders', 'users', 'nope'][rand(3)]}') }}`;
      }
      host.set(`/p/${file}`, text);
      if (updateModelText(analysis, file, text, cache)) incremental++;
      else analysis = analyzeProject(host, '/p', { cache });
      assert.equal(fingerprint(analysis), fingerprint(analyzeProject(host, '/p')), `after edit ${i} to ${file}`);
    }
    // The point of the exercise: most edits must take the fast path.
    assert.ok(incremental > 1500, `${incremental} of 3000 edits were incremental`);
  });

  it('edits that close, reshape and break cycles (several components, one split in two) stay incremental and exact', () => {
    // Ten models in three layers whose refs the edits rewire at random: cycles appear, merge,
    // split and vanish, every one of them through the edited model.
    const layers = ['bronze', 'silver', 'gold'];
    const names = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const folder = (i: number): string => layers[i % 3]!;
    const files: Record<string, string> = {
      'dbt_project.yml': 'name: cyc\nmodels:\n  cyc:\n    +materialized: view\n',
    };
    const sqlOf = (refs: string[]): string => `select 1 as id\n${refs.map((r) => `-- depends_on: {{ ref('${r}') }}`).join('\n')}\n`;
    names.forEach((n, i) => (files[`models/${folder(i)}/${n}.sql`] = sqlOf([names[(i + 1) % 10]!])));
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    let analysis = analyzeProject(host, '/p', { cache });
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let incremental = 0;
    let withCycles = 0;
    for (let i = 0; i < 2000; i++) {
      const k = rand(10);
      const file = `models/${folder(k)}/${names[k]}.sql`;
      const refs = Array.from({ length: rand(3) }, () => names[rand(10)]!);
      const text = rand(8) === 0 ? sqlOf(refs) + "{{ ref('nope') }}" : sqlOf(refs);
      host.set(`/p/${file}`, text);
      const before = publishedByFile(analysis);
      const changed = new Set<string>();
      if (updateModelText(analysis, file, text, cache, changed)) incremental++;
      else analysis = analyzeProject(host, '/p', { cache });
      const full = analyzeProject(host, '/p');
      assert.equal(fingerprint(analysis), fingerprint(full), `after edit ${i} to ${file}`);
      if (full.graph.cycles.length > 0) withCycles++;
      // Every file whose problems changed was named, so the server republishes it.
      const after = publishedByFile(analysis);
      for (const f of new Set([...before.keys(), ...after.keys()])) {
        if (before.get(f) !== after.get(f)) assert.ok(changed.has(f), `edit ${i} to ${file} changed ${f} without saying so`);
      }
    }
    assert.equal(incremental, 2000);
    assert.ok(withCycles > 500, `${withCycles} edits left a cycle`);
  });

  it('a deep DAG rewired at random (mostly forward, sometimes back into a cycle) stays incremental and exact', () => {
    // 150 models, each reading up to three earlier ones: long chains whose levels the edits raise,
    // and now and then a ref to a later model that closes a cycle, later broken again.
    const count = 150;
    const name = (i: number): string => `n${String(i).padStart(3, '0')}`;
    const sqlOf = (refs: number[]): string => `select 1 as id\n${refs.map((r) => `-- depends_on: {{ ref('${name(r)}') }}`).join('\n')}\n`;
    let seed = 5;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const files: Record<string, string> = { 'dbt_project.yml': 'name: dag\n' };
    for (let i = 0; i < count; i++) files[`models/${name(i)}.sql`] = sqlOf(i === 0 ? [] : Array.from({ length: 1 + rand(3) }, () => rand(i)));
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    let analysis = analyzeProject(host, '/p', { cache });
    let cyclic = 0;
    for (let i = 0; i < 1000; i++) {
      const k = 1 + rand(count - 1);
      const refs = Array.from({ length: rand(4) }, () => rand(k));
      if (rand(40) === 0) {
        // A ref to something that already reads this model: a cycle.
        const below = [...analysis.graph.downstream(`model.dag.${name(k)}`).keys()];
        if (below.length > 0) refs.push(Number(below[rand(below.length)]!.slice(-3)));
      }
      const file = `models/${name(k)}.sql`;
      const text = sqlOf(refs);
      host.set(`/p/${file}`, text);
      assert.ok(updateModelText(analysis, file, text, cache), `edit ${i} was not incremental`);
      const full = analyzeProject(host, '/p');
      assert.equal(fingerprint(analysis), fingerprint(full), `after edit ${i} to ${file}`);
      if (full.graph.cycles.length > 0) cyclic++;
      if (i % 250 === 249) analysis = analyzeProject(host, '/p', { cache });
    }
    assert.ok(cyclic > 50 && cyclic < 950, `${cyclic} of 1000 edits left a cycle`);
  });

  it('regression: a model in a cyclic component but off its reported path splits it; the new cycle is reported', () => {
    // a ↔ b and c ↔ d, joined by b → c and d → a: one component, reported as the path a → b.
    // Dropping c's ref to b leaves two cycles; the old check (is c on a reported path?) missed one.
    const sql = (...refs: string[]): string => `select 1 ${refs.map((r) => `{{ ref('${r}') }}`).join(' ')}`;
    const files: Record<string, string> = { 'dbt_project.yml': 'name: x\n', 'models/a.sql': sql('b', 'd'), 'models/b.sql': sql('a'), 'models/c.sql': sql('b', 'd'), 'models/d.sql': sql('c') };
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    const analysis = analyzeProject(host, '/p', { cache });
    assert.deepEqual(analysis.graph.cycles, [['model.x.a', 'model.x.b']]);
    host.set('/p/models/c.sql', sql('d'));
    assert.ok(updateModelText(analysis, 'models/c.sql', sql('d'), cache));
    assert.equal(fingerprint(analysis), fingerprint(analyzeProject(host, '/p')));
    assert.equal(analysis.diagnostics.filter((d) => d.code === 'cycle').length, 4);
  });

  it('a ref that closes a cycle reports it on every edge and in every member file; removing it clears them all', () => {
    const files: Record<string, string> = {
      'dbt_project.yml': 'name: cyc\n',
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('b') }}",
    };
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    const analysis = analyzeProject(host, '/p', { cache });
    const cycleFiles = (): string[] => analysis.diagnostics.filter((d) => d.code === 'cycle').map((d) => d.file).sort();
    assert.deepEqual(cycleFiles(), []);
    const closed = "select * from {{ ref('c') }}";
    const changed = new Set<string>();
    assert.ok(updateModelText(analysis, 'models/a.sql', closed, cache, changed));
    assert.deepEqual(cycleFiles(), ['models/a.sql', 'models/b.sql', 'models/c.sql']);
    assert.deepEqual([...changed].sort(), ['models/a.sql', 'models/b.sql', 'models/c.sql']);
    const inA = analysis.diagnostics.find((d) => d.code === 'cycle' && d.file === 'models/a.sql')!;
    assert.equal(closed.slice(inA.span!.start, inA.span!.end), 'c');
    assert.match(inA.message, /Dependency cycle: a → b → c → a/);
    // Typing inside the cycle moves its spans: still incremental, still exact.
    const shifted = `-- note\n${closed}`;
    host.set('/p/models/a.sql', shifted);
    assert.ok(updateModelText(analysis, 'models/a.sql', shifted, cache));
    assert.equal(fingerprint(analysis), fingerprint(analyzeProject(host, '/p')));
    const moved = analysis.diagnostics.find((d) => d.code === 'cycle' && d.file === 'models/a.sql')!;
    assert.equal(shifted.slice(moved.span!.start, moved.span!.end), 'c');
    changed.clear();
    assert.ok(updateModelText(analysis, 'models/a.sql', 'select 2 as id', cache, changed));
    assert.deepEqual(cycleFiles(), []);
    assert.deepEqual(analysis.graph.cycles, []);
    assert.deepEqual([...changed].sort(), ['models/a.sql', 'models/b.sql', 'models/c.sql']);
  });

  it('layer rule problems follow the edit: a gold model that starts and stops reading bronze', () => {
    const files: Record<string, string> = {
      'dbt_project.yml': 'name: lay\n',
      'models/bronze/raw_orders.sql': 'select 1 as id',
      'models/silver/orders.sql': "select * from {{ ref('raw_orders') }}",
      'models/gold/sales.sql': "select * from {{ ref('orders') }}",
    };
    const host = new MemoryHost(files, '/p');
    const cache = new ScanCache();
    const analysis = analyzeProject(host, '/p', { cache });
    const layerProblems = (): Diagnostic[] => analysis.diagnostics.filter((d) => d.code === 'layer-violation');
    assert.deepEqual(layerProblems(), []);
    const bad = "select * from {{ ref('orders') }} join {{ ref('raw_orders') }} using (id)";
    assert.ok(updateModelText(analysis, 'models/gold/sales.sql', bad, cache));
    assert.deepEqual(layerProblems().map((d) => [d.file, bad.slice(d.span!.start, d.span!.end)]), [['models/gold/sales.sql', 'raw_orders']]);
    host.set('/p/models/gold/sales.sql', bad);
    assert.equal(fingerprint(analysis), fingerprint(analyzeProject(host, '/p')));
    assert.ok(updateModelText(analysis, 'models/gold/sales.sql', files['models/gold/sales.sql']!, cache));
    assert.deepEqual(layerProblems(), []);
  });
});

/** Each file's problems as one comparable string. */
function publishedByFile(a: Analysis): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const d of a.diagnostics) out.set(d.file, [...(out.get(d.file) ?? []), `${d.span?.start}-${d.span?.end} ${d.code} ${d.message}`]);
  return new Map([...out].map(([f, list]) => [f, list.sort().join('\n')]));
}

