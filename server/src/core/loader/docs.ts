/**
 * Docs blocks (`{% docs name %} ... {% enddocs %}` in .md files under the resource paths, dbt's
 * default docs-paths): what `{{ doc('name') }}` in a description stands for.
 */
import { normalizePath, relativePath } from '../host';
import type { PackageContext } from './context';

const DOCS_BLOCK = /\{%-?\s*docs\s+([A-Za-z_][\w]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;

export function loadDocs(ctx: PackageContext): void {
  const c = ctx.config;
  const state = ctx.state;
  const seen = new Set<string>();
  for (const dir of new Set([...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.macroPaths, ...c.testPaths, ...c.analysisPaths])) {
    for (const listed of ctx.list(ctx.dirOf(dir))) {
      const abs = normalizePath(listed);
      if (!abs.endsWith('.md') || seen.has(abs)) continue;
      seen.add(abs);
      const rel = relativePath(state.root, abs);
      const text = state.readText(rel, abs);
      if (text === undefined) continue;
      for (const m of text.matchAll(DOCS_BLOCK)) {
        const name = m[1]!;
        const start = m.index! + m[0].indexOf(name);
        const list = state.docs.get(name) ?? [];
        list.push({ name, packageName: c.name, file: rel, nameSpan: { start, end: start + name.length }, text: m[2]!.trim() });
        state.docs.set(name, list);
      }
    }
  }
}
