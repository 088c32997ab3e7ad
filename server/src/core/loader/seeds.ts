/** Seeds: one node per CSV file under a seed path, with the columns of its header. */
import { parseCsv } from '../csv';
import { relativePath } from '../host';
import type { ProjectFile } from '../model';
import type { PackageContext } from './context';
import { addNode } from './nodes';

export function loadSeeds(ctx: PackageContext, dir: string): void {
  const state = ctx.state;
  for (const abs of ctx.list(ctx.dirOf(dir))) {
    if (!abs.endsWith('.csv')) continue;
    const rel = relativePath(state.root, abs);
    const parts = relativePath(ctx.dirOf(dir), abs).split('/');
    const stem = parts.pop()!.replace(/\.csv$/, '');
    const file: ProjectFile = { path: rel, kind: 'seed', blocks: [], nodeIds: [] };
    state.files.set(rel, file);
    const node = addNode(ctx, file, 'seed', stem, parts, undefined);
    // Only the header is needed here; the runner reads the data.
    const text = state.readText(rel);
    if (node && text !== undefined) node.seedColumns = parseCsvHeader(text);
    if (text !== undefined) state.manifestInputs?.seedTexts.set(rel, text);
  }
}

/** The first line of a CSV (a seed's header), BOM and surrounding spaces removed. */
export function parseCsvHeader(text: string): string[] {
  const end = text.search(/\r?\n/);
  // Only the first line is parsed: a large seed is not read through for its header.
  return (parseCsv(end === -1 ? text : text.slice(0, end))[0] ?? []).map((c) => c.trim());
}
