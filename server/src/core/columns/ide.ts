/**
 * Editor answers from the column model, in core terms: hover on a column (type, where it comes
 * from, its yml description), column completion after `alias.` and in select lists, and
 * signature help for macro calls. Positions in the model's text are mapped to its compiled SQL
 * with the span map when the column model was computed from this very text; otherwise the
 * answer comes from names alone (the relations the model read last time it was bound).
 */
import type { Analysis } from '../analysis';
import { findMacro, nodesInFile, ymlCompletions, type CompletionItem } from '../ide';
import type { ProjectNode } from '../model';
import type { Span } from '../text';
import type { ColumnModel, ColumnRefId, NodeColumns, OutputColumn, QueryScope, ScopeRelation } from './model';
import { SpanMap } from './span-map';

/** The model or snapshot of a file a position is in, with its column-model entry. */
export function entryAt(analysis: Analysis, model: ColumnModel, file: string, offset: number): { node: ProjectNode; entry: NodeColumns } | undefined {
  for (const node of nodesInFile(analysis, file)) {
    if (node.resourceType !== 'model' && node.resourceType !== 'snapshot') continue;
    if (node.blockSpan && (offset < node.blockSpan.start || offset > node.blockSpan.end)) continue;
    const entry = model.get(node.uniqueId);
    if (entry) return { node, entry };
  }
  return undefined;
}

const spanMaps = new WeakMap<NodeColumns, SpanMap>();

/** The entry's span map, when it was computed from `text` (the document as it is now). */
export function spanMapOf(entry: NodeColumns, text: string): SpanMap | undefined {
  if (entry.sql === undefined || entry.template !== text) return undefined;
  let map = spanMaps.get(entry);
  if (!map) spanMaps.set(entry, (map = new SpanMap(entry.template, entry.sql, entry.region)));
  return map;
}

/** The word under the cursor and the qualifier written before it (`o` in `o.amount`). */
function wordAt(text: string, offset: number): { word: string; span: Span; qualifier?: string } | undefined {
  const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);
  let start = offset;
  while (start > 0 && isWord(text[start - 1])) start--;
  let end = offset;
  while (end < text.length && isWord(text[end])) end++;
  if (start === end || /[0-9]/.test(text[start]!)) return undefined;
  const word = text.slice(start, end);
  const before = /([A-Za-z_][A-Za-z0-9_]*|"[^"]+")\s*\.\s*$/.exec(text.slice(Math.max(0, start - 130), start));
  return { word, span: { start, end }, ...(before ? { qualifier: before[1]!.replace(/"/g, '') } : {}) };
}

function describeFrom(analysis: Analysis, refs: ColumnRefId[] | undefined): string | undefined {
  if (!refs) return undefined;
  if (refs.length === 0) return 'computed (reads no column)';
  return refs.map((r) => `\`${nodeName(analysis, r.nodeId)}.${r.column}\``).join(', ');
}

function nodeName(analysis: Analysis, id: string): string {
  const n = analysis.project.nodes.get(id);
  if (!n) return id;
  return n.resourceType === 'source' ? `${n.source!.sourceName}.${n.name}` : n.name;
}

/** The yml description of a node's column, if documented. */
function ymlDescription(analysis: Analysis, nodeId: string, column: string): string | undefined {
  const node = analysis.project.nodes.get(nodeId);
  return node?.columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.description?.trim();
}

/** A description found upstream: the column's own, else the first documented one it comes from. */
function descriptionOf(analysis: Analysis, nodeId: string | undefined, column: string, from: ColumnRefId[] | undefined): string | undefined {
  const own = nodeId ? ymlDescription(analysis, nodeId, column) : undefined;
  if (own) return own;
  for (const r of from ?? []) {
    const d = ymlDescription(analysis, r.nodeId, r.column);
    if (d) return `${d} _(from \`${nodeName(analysis, r.nodeId)}.${r.column}\`)_`;
  }
  return undefined;
}

function exactness(model: ColumnModel, entry: NodeColumns | undefined): string | undefined {
  if (entry?.exact) return undefined;
  if (entry?.origin === 'yml') return '_Types as declared in yml: not checked by the target engine._';
  if (model.target.type === 'databricks') return '_Not checked by the warehouse (enable `DESCRIBE QUERY` to check types)._';
  return '_Not checked by the engine: an input of this model is unknown._';
}

function columnMarkdown(title: string, type: string | undefined, fromText: string | undefined, description: string | undefined, note: string | undefined): string {
  const lines = [`**column** \`${title}\`${type ? ` · \`${type}\`` : ''}`];
  if (fromText) lines.push('', `From ${fromText}`);
  if (description) lines.push('', description);
  if (note) lines.push('', note);
  return lines.join('\n');
}

/** Relations in scope at a compiled offset (innermost SELECT first), or every scope's when unknown. */
function scopesAt(scopes: QueryScope[], compiledOffset: number | undefined): QueryScope[] {
  if (compiledOffset === undefined) return scopes;
  const containing = scopes.filter((s) => s.span.start <= compiledOffset && compiledOffset <= s.span.end).sort((a, b) => a.span.end - a.span.start - (b.span.end - b.span.start));
  return containing.length ? containing : scopes;
}

function relationNamed(scopes: QueryScope[], alias: string): ScopeRelation | undefined {
  const key = alias.toLowerCase();
  for (const s of scopes) {
    const hit = s.relations.find((r) => r.alias.toLowerCase() === key);
    if (hit) return hit;
  }
  return undefined;
}

/** Hover on a column reference or an output column name in a model's SQL. */
export function columnHoverAt(analysis: Analysis, model: ColumnModel, file: string, text: string, offset: number): { markdown: string; span: Span } | undefined {
  const at = entryAt(analysis, model, file, offset);
  const word = wordAt(text, offset);
  if (!at || !word) return undefined;
  const { node, entry } = at;
  const note = exactness(model, entry);
  const map = spanMapOf(entry, text);
  const compiled = map?.toCompiled(word.span);
  if (compiled && entry.query) {
    // Exactly this reference, as DuckDB's parse tree resolved it.
    const ref = entry.query.references.find((r) => r.span.start <= compiled.start && compiled.start < r.span.end);
    if (ref) {
      const title = `${ref.relation ? `${ref.relation}.` : ''}${ref.name}`;
      const nodeId = ref.from?.length === 1 ? ref.from[0]!.nodeId : undefined;
      return { markdown: columnMarkdown(title, ref.type, describeFrom(analysis, ref.from), descriptionOf(analysis, nodeId, ref.from?.[0]?.column ?? ref.name, ref.from), note), span: word.span };
    }
    const output = entry.query.outputSpans.findIndex((o) => o !== undefined && o.span.start <= compiled.start && compiled.start < o.span.end);
    if (output >= 0 && entry.columns?.[output]) return { markdown: outputMarkdown(analysis, node, entry, entry.columns[output]!, note), span: word.span };
  }
  // By name: a qualified column of a relation the model reads, or one of its own output columns.
  const scopes = entry.query?.scopes ?? [];
  if (word.qualifier) {
    const rel = relationNamed(scopes, word.qualifier) ?? relationFromText(analysis, node, text, word.qualifier, model);
    const col = rel?.columns?.find((c) => c.name.toLowerCase() === word.word.toLowerCase());
    if (rel && col) return { markdown: columnMarkdown(`${word.qualifier}.${col.name}`, col.type, describeFrom(analysis, col.from), descriptionOf(analysis, rel.nodeId, col.name, col.from), note), span: word.span };
    return undefined;
  }
  const own = entry.columns?.find((c) => c.name.toLowerCase() === word.word.toLowerCase());
  if (own) return { markdown: outputMarkdown(analysis, node, entry, own, note), span: word.span };
  const holders = scopes.flatMap((s) => s.relations).filter((r) => r.columns?.some((c) => c.name.toLowerCase() === word.word.toLowerCase()));
  const unique = new Map(holders.map((h) => [`${h.nodeId ?? h.cte ?? h.alias}`, h]));
  if (unique.size === 1) {
    const rel = [...unique.values()][0]!;
    const col = rel.columns!.find((c) => c.name.toLowerCase() === word.word.toLowerCase())!;
    return { markdown: columnMarkdown(`${rel.alias}.${col.name}`, col.type, describeFrom(analysis, col.from), descriptionOf(analysis, rel.nodeId, col.name, col.from), note), span: word.span };
  }
  return undefined;
}

function outputMarkdown(analysis: Analysis, node: ProjectNode, entry: NodeColumns, column: OutputColumn, note: string | undefined): string {
  const from = describeFrom(analysis, column.from);
  const lineage = entry.lineage === 'parser' ? ' _(traced by a SQL parser, not exact)_' : '';
  return columnMarkdown(`${node.name}.${column.name}`, column.type, from ? `${from}${lineage}` : undefined, descriptionOf(analysis, node.uniqueId, column.name, column.from), note);
}

/**
 * A relation named in the model's text: `{{ ref('x') }} as alias`, `{{ source('a', 'b') }} alias`,
 * or the relation's own name. Used while the text differs from what was bound last.
 */
function relationFromText(analysis: Analysis, node: ProjectNode, text: string, alias: string, model: ColumnModel): ScopeRelation | undefined {
  const key = alias.toLowerCase();
  const pattern = /\{\{-?\s*(ref|source)\(\s*(['"])([^'"]+)\2\s*(?:,\s*(['"])([^'"]+)\4\s*)?\)\s*-?\}\}\s*(?:as\s+)?([A-Za-z_][A-Za-z0-9_]*)?/gi;
  for (const m of text.matchAll(pattern)) {
    const target = m[1] === 'ref' ? analysis.graph.resolveRef(m[5] ?? m[3]!, m[5] ? m[3] : undefined) : analysis.graph.resolveSource(m[3]!, m[5] ?? '');
    if (!target) continue;
    const written = m[6] && !/^(where|on|left|right|inner|join|group|order|limit|union|full|cross|using|qualify|having|window)$/i.test(m[6]) ? m[6] : undefined;
    if ((written ?? target.name).toLowerCase() === key) return { alias, nodeId: target.uniqueId, columns: model.columnsOf(target.uniqueId) };
  }
  void node;
  return undefined;
}

/** Completion of columns: after `alias.`, that relation's columns; in a select list, the FROM relations' columns. */
export function columnCompletionsAt(analysis: Analysis, model: ColumnModel, file: string, text: string, offset: number): CompletionItem[] | undefined {
  // A properties yml: names of models and of the columns a model outputs (the column model's).
  if (/\.ya?ml$/i.test(file)) return ymlCompletions(analysis, text, offset, file, (node) => model.columnsOf(node.uniqueId)?.map((c) => c.name));
  const at = entryAt(analysis, model, file, offset);
  if (!at) return undefined;
  const { node, entry } = at;
  const before = text.slice(Math.max(0, offset - 300), offset);
  // Not inside Jinja: `{{ ref('` completion is the core's.
  if (/\{\{[^}]*$|\{%[^%]*$/.test(before)) return undefined;
  const map = spanMapOf(entry, text);
  const compiledAt = map ? compiledOffsetNear(map, text, offset) : undefined;
  const scopes = scopesAt(entry.query?.scopes ?? [], compiledAt);
  const item = (c: OutputColumn, rel: ScopeRelation | undefined): CompletionItem => {
    const description = descriptionOf(analysis, rel?.nodeId, c.name, c.from);
    return { label: c.name, kind: 'column', detail: `${c.type ?? '?'}${rel ? ` · ${rel.nodeId ? nodeName(analysis, rel.nodeId) : rel.alias}` : ''}`, ...(description ? { documentation: description } : {}) };
  };
  const qualified = /([A-Za-z_][A-Za-z0-9_]*|"[^"]+")\s*\.\s*([A-Za-z0-9_]*)$/.exec(before);
  if (qualified) {
    const alias = qualified[1]!.replace(/"/g, '');
    const rel = relationNamed(scopes, alias) ?? relationNamed(entry.query?.scopes ?? [], alias) ?? relationFromText(analysis, node, text, alias, model);
    if (!rel?.columns) return undefined;
    return rel.columns.map((c) => item(c, rel));
  }
  if (!/(?:\bselect|,|\bwhere|\band|\bor|\bby|\bon|\bhaving|\bqualify|\bwhen|\bthen|\belse|\()\s+[A-Za-z0-9_]*$/i.test(before) && !/\bselect\s*$/i.test(before)) return undefined;
  const items = new Map<string, CompletionItem>();
  const relations = scopes.length ? scopes[0]!.relations : [];
  const fallback = relations.length ? relations : parentRelations(analysis, node, model);
  for (const rel of fallback) for (const c of rel.columns ?? []) if (!items.has(c.name.toLowerCase())) items.set(c.name.toLowerCase(), item(c, rel));
  return items.size ? [...items.values()] : undefined;
}

/** The compiled offset of the nearest plain-SQL token at or before `offset` (scopes are looked up with it). */
function compiledOffsetNear(map: SpanMap, text: string, offset: number): number | undefined {
  for (let i = Math.min(offset, text.length - 1), steps = 0; i >= 0 && steps < 2000; i--, steps++) {
    if (/\s/.test(text[i]!)) continue;
    const hit = map.toCompiled({ start: i, end: i + 1 });
    if (hit) return hit.start;
  }
  return undefined;
}

/** Every node the model reads, as relations (when the model has not been bound from its current text). */
function parentRelations(analysis: Analysis, node: ProjectNode, model: ColumnModel): ScopeRelation[] {
  return node.dependsOn.map((id) => ({ alias: nodeName(analysis, id), nodeId: id, columns: model.columnsOf(id) }));
}

// ------------------------------------------------------------------ signature help

export interface SignatureHelp {
  label: string;
  parameters: Array<{ label: string; documentation?: string }>;
  activeParameter: number;
  documentation?: string;
}

/** Signature help inside a macro call in `{{ }}` or `{% %}`: its parameters, the one being written. */
export function macroSignatureAt(analysis: Analysis, text: string, offset: number): SignatureHelp | undefined {
  const open = Math.max(text.lastIndexOf('{{', offset - 1), text.lastIndexOf('{%', offset - 1));
  if (open < 0 || /\}\}|%\}/.test(text.slice(open, offset))) return undefined;
  // Forward over the Jinja so far: the open calls (and brackets) with their argument counts, strings skipped.
  const stack: Array<{ name: string | undefined; start: number; commas: number }> = [];
  let quote: string | undefined;
  for (let i = open + 2; i < offset; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') stack.push({ name: c === '(' ? /([A-Za-z_][\w.]*)\s*$/.exec(text.slice(open + 2, i))?.[1] : undefined, start: i + 1, commas: 0 });
    else if (c === ')' || c === ']' || c === '}') stack.pop();
    else if (c === ',' && stack.length) stack[stack.length - 1]!.commas++;
  }
  const call = [...stack].reverse().find((f) => f.name !== undefined);
  if (!call || call !== stack[stack.length - 1]) return undefined;
  const macro = findMacro(analysis, call.name!);
  if (!macro) return undefined;
  const params = macro.block.params;
  const labels = params.map((p) => (p.defaultText === undefined ? p.name : `${p.name}=${p.defaultText}`));
  // A keyword argument names its parameter; else the position counts.
  const argText = text.slice(call.start, offset);
  const keyword = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(argText.slice(argText.lastIndexOf(',') + 1))?.[1];
  const byName = keyword ? params.findIndex((p) => p.name === keyword) : -1;
  return {
    label: `${macro.name}(${labels.join(', ')})`,
    parameters: labels.map((label) => ({ label })),
    activeParameter: byName >= 0 ? byName : Math.min(call.commas, Math.max(0, params.length - 1)),
    documentation: `${macro.packageName} · ${macro.file}`,
  };
}
