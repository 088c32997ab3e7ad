/**
 * Refactorings over the column model: expand a `select *` into its columns, and rename a
 * model's output column everywhere it flows — the model's SQL, the downstream references that
 * read it (through CTEs and `*` too), the downstream columns that pass it through under the same
 * name, and every yml that documents those columns. Edits are made only where the compiled
 * text maps back to the same word in the model's file; anything else is refused with the reason.
 */
import type { Analysis } from '../analysis';
import type { ProjectNode } from '../model';
import type { Span } from '../text';
import { spanMapOf } from './ide';
import type { ColumnModel, NodeColumns } from './model';
import type { FileEdit } from './yml';

/** The `select *` expansions available in a file at a range (only exact, unmodified stars). */
export function expandStarEdits(analysis: Analysis, model: ColumnModel, file: string, range: Span): Array<{ title: string; edit: FileEdit }> {
  const text = analysis.project.files.get(file)?.text;
  if (text === undefined) return [];
  const out: Array<{ title: string; edit: FileEdit }> = [];
  for (const id of analysis.project.files.get(file)?.nodeIds ?? []) {
    const entry = model.get(id);
    const map = entry ? spanMapOf(entry, text) : undefined;
    if (!entry?.query || !map) continue;
    for (const star of entry.query.stars) {
      if (star.modified || star.columns.length === 0) continue;
      const source = map.spanToSource(star.span);
      if (!source.exact || text.slice(source.span.start, source.span.end) !== entry.sql!.slice(star.span.start, star.span.end)) continue;
      if (source.span.end < range.start || source.span.start > range.end) continue;
      const lineStart = text.lastIndexOf('\n', source.span.start - 1) + 1;
      const before = text.slice(lineStart, source.span.start);
      const indent = /^\s*/.exec(before)![0];
      // `select *` on one line: one column per line, indented under `select`; a lone `*`: at its own indentation.
      const alone = before.trim() === '';
      const separator = alone ? `,\n${indent}` : `,\n${indent}    `;
      const start = alone ? source.span.start : lineStart + before.trimEnd().length;
      const prefix = star.qualifier ? `${star.qualifier}.` : '';
      const columns = star.columns.map((c) => (prefix && !c.includes('.') ? `${prefix}${c}` : c));
      out.push({ title: `Expand ${prefix}* into ${columns.length} columns`, edit: { file, span: { start, end: source.span.end }, newText: (alone ? '' : `\n${indent}    `) + columns.join(separator) } });
    }
  }
  return out;
}

export interface ColumnRenameResult {
  edits: FileEdit[];
  problem?: string;
}

/** The output column of a model a position is on (its alias or the column it passes through), if any. */
export function outputColumnAt(analysis: Analysis, model: ColumnModel, file: string, offset: number): { node: ProjectNode; column: string } | undefined {
  const text = analysis.project.files.get(file)?.text;
  if (text === undefined) return undefined;
  for (const id of analysis.project.files.get(file)?.nodeIds ?? []) {
    const entry = model.get(id);
    const map = entry ? spanMapOf(entry, text) : undefined;
    if (!entry?.query || !map || !entry.columns) continue;
    const compiled = map.toCompiled({ start: offset, end: offset + 1 }) ?? map.toCompiled({ start: Math.max(0, offset - 1), end: offset });
    if (!compiled) continue;
    const index = entry.query.outputSpans.findIndex((o) => o !== undefined && o.span.start <= compiled.start && compiled.start <= o.span.end);
    if (index >= 0 && entry.columns[index]) return { node: analysis.project.nodes.get(id)!, column: entry.columns[index]!.name };
  }
  return undefined;
}

/**
 * Renames `column` of `node` to `newName` and follows it downstream. Every model involved must
 * have been bound exactly from its current text.
 */
export function renameColumn(analysis: Analysis, model: ColumnModel, node: ProjectNode, column: string, newName: string): ColumnRenameResult {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return { edits: [], problem: `'${newName}' is not a plain column name (letters, digits and _)` };
  const edits: FileEdit[] = [];
  const problems: string[] = [];
  const lower = column.toLowerCase();
  const fresh = (n: ProjectNode): { entry: NodeColumns; text: string } | undefined => {
    const entry = model.get(n.uniqueId);
    const text = analysis.project.files.get(n.file)?.text;
    return entry?.exact && entry.query && text !== undefined && spanMapOf(entry, text) ? { entry, text } : undefined;
  };
  const start = fresh(node);
  if (!start) return { edits: [], problem: `The columns of '${node.name}' are not known exactly from its current text (wait for the check to finish, or fix its errors)` };
  if (start.entry.columns?.some((c) => c.name.toLowerCase() === newName.toLowerCase())) return { edits: [], problem: `'${node.name}' already has a column named '${newName}'` };
  const index = start.entry.columns?.findIndex((c) => c.name.toLowerCase() === lower) ?? -1;
  if (index < 0) return { edits: [], problem: `'${node.name}' has no column '${column}'` };
  const output = start.entry.query!.outputSpans[index];
  if (!output) return { edits: [], problem: `'${column}' is not written in '${node.name}' (it comes from a * or an unnamed expression): expand the * first` };
  const map = spanMapOf(start.entry, start.text)!;
  const at = map.spanToSource(output.span);
  if (!sameWord(start.text, at.span, column)) return { edits: [], problem: `'${column}' of '${node.name}' is produced by Jinja; rename it there` };
  edits.push({ file: node.file, span: at.span, newText: output.aliased ? quoteIfNeeded(newName) : `${start.text.slice(at.span.start, at.span.end)} as ${quoteIfNeeded(newName)}` });
  renameInYml(node, column, newName, edits);

  // Downstream: every model reading a renamed column, breadth first.
  const renamed = [{ nodeId: node.uniqueId, column }];
  const seen = new Set<string>([`${node.uniqueId}\u0000${lower}`]);
  while (renamed.length > 0) {
    const { nodeId, column: old } = renamed.shift()!;
    for (const childId of analysis.graph.children.get(nodeId) ?? []) {
      const child = analysis.project.nodes.get(childId);
      if (!child || (child.resourceType !== 'model' && child.resourceType !== 'snapshot')) continue;
      const reads = (refs: Array<{ nodeId: string; column: string }> | undefined): boolean => refs?.length === 1 && refs[0]!.nodeId === nodeId && refs[0]!.column.toLowerCase() === old.toLowerCase();
      const cur = fresh(child);
      const entry = model.get(childId);
      const uses = entry?.query?.references.some((r) => r.from?.some((f) => f.nodeId === nodeId && f.column.toLowerCase() === old.toLowerCase())) || entry?.columns?.some((c) => c.from?.some((f) => f.nodeId === nodeId && f.column.toLowerCase() === old.toLowerCase()));
      if (!cur) {
        if (uses || !entry?.query) problems.push(`'${child.name}' reads '${nodeName(analysis, nodeId)}' but its columns are not known exactly`);
        continue;
      }
      const childMap = spanMapOf(cur.entry, cur.text)!;
      for (const ref of cur.entry.query!.references) {
        if (ref.name.toLowerCase() !== old.toLowerCase() || !reads(ref.from)) continue;
        const mapped = childMap.spanToSource(ref.span);
        if (!sameWord(cur.text, mapped.span, ref.name)) {
          problems.push(`${child.file}: a reference to '${old}' is produced by Jinja and cannot be renamed`);
          continue;
        }
        edits.push({ file: child.file, span: mapped.span, newText: quoteIfNeeded(newName) });
      }
      // Columns passed through under the same name (unaliased, or through *) are renamed with it.
      cur.entry.columns?.forEach((c, i) => {
        if (c.name.toLowerCase() !== old.toLowerCase() || !reads(c.from)) return;
        if (cur.entry.query!.outputSpans[i]?.aliased) return;
        const key = `${childId}\u0000${c.name.toLowerCase()}`;
        if (seen.has(key)) return;
        seen.add(key);
        renameInYml(child, c.name, newName, edits);
        renamed.push({ nodeId: childId, column: c.name });
      });
    }
  }
  const unique = dedupe(edits);
  return problems.length ? { edits: unique, problem: problems.join('; ') } : { edits: unique };
}

function renameInYml(node: ProjectNode, column: string, newName: string, edits: FileEdit[]): void {
  for (const c of node.columns) if (c.name.toLowerCase() === column.toLowerCase()) edits.push({ file: c.file, span: c.span, newText: newName });
}

function sameWord(text: string, span: Span, word: string): boolean {
  return text.slice(span.start, span.end).replace(/^"|"$/g, '').toLowerCase() === word.toLowerCase();
}

function dedupe(edits: FileEdit[]): FileEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.file}:${e.span?.start}:${e.span?.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function nodeName(analysis: Analysis, id: string): string {
  return analysis.project.nodes.get(id)?.name ?? id;
}

function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`;
}
