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
});
