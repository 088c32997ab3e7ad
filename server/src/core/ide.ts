/**
 * Editor questions answered from an Analysis, in core terms (files and spans): what is at a
 * position, where it is defined, who refers to it, what to complete, what to show on hover,
 * which lenses to draw, how to rename. The language server converts these to LSP at its edge.
 */
import type { Analysis } from './analysis';
import { parse, render } from './jinja';
import { layerFit, layerProblem } from './graph';
import { sqlCallsOf } from './loader/node-calls';
import type { MacroDefinition, ProjectNode } from './model';
import { scan, type RefCall, type ScanResult, type SourceCall } from './scanner';
import type { Span } from './text';

export interface Location {
  file: string;
  /** Undefined: the whole file (a model is its file). */
  span?: Span;
  /** A ref rendering found where no literal name is written: the span is the call that led to it. */
  computed?: true;
}

export type Target =
  | { kind: 'ref'; call: RefCall; node?: ProjectNode; from?: ProjectNode }
  | { kind: 'source'; call: SourceCall; part: 'source' | 'table'; node?: ProjectNode; from?: ProjectNode }
  | { kind: 'macro'; name: string; span: Span; macro?: MacroDefinition }
  | { kind: 'yml-node'; node: ProjectNode; span: Span };

const within = (span: Span, offset: number): boolean => offset >= span.start && offset <= span.end;

/** Nodes whose SQL lives in `file`. */
export function nodesInFile(analysis: Analysis, file: string): ProjectNode[] {
  const f = analysis.project.files.get(file);
  if (!f) return [];
  return f.nodeIds.map((id) => analysis.project.nodes.get(id)).filter((n): n is ProjectNode => n !== undefined);
}

export function targetAt(analysis: Analysis, file: string, offset: number): Target | undefined {
  const { graph, project } = analysis;
  for (const node of nodesInFile(analysis, file)) {
    if (node.file !== file) continue;
    const { macroCalls } = sqlCallsOf(project, node);
    // A ref rendering found inside a macro call is the macro's to answer for, unless its name is written there.
    for (const call of node.refs) {
      if (call.literal === false) continue;
      if (within(call.span, offset) || (within(call.callSpan, offset) && !macroCalls.some((m) => within(m.span, offset)))) {
        const target = graph.resolveRef(call.name, call.packageName, call.version, node.packageName);
        return target ? { kind: 'ref', call, node: target, from: node } : { kind: 'ref', call, from: node };
      }
    }
    const sourceAt = (call: SourceCall): Target => {
      const target = graph.resolveSource(call.source, call.table, node.packageName);
      const part = within(call.sourceSpan, offset) ? 'source' : 'table';
      return target ? { kind: 'source', call, part, node: target, from: node } : { kind: 'source', call, part, from: node };
    };
    for (const call of node.sources) {
      if (call.literal === false) continue;
      if (within(call.sourceSpan, offset) || within(call.tableSpan, offset) || within(call.callSpan, offset)) return sourceAt(call);
    }
    for (const call of macroCalls) {
      if (within(call.span, offset)) {
        const macro = findMacro(analysis, call.name);
        return macro ? { kind: 'macro', name: call.name, span: call.span, macro } : { kind: 'macro', name: call.name, span: call.span };
      }
    }
    // `{{ ref(m) }}` in a loop: the call stands for the refs rendering found there.
    for (const call of node.refs) {
      if (call.literal === false && within(call.callSpan, offset)) {
        const target = graph.resolveRef(call.name, call.packageName, call.version, node.packageName);
        return target ? { kind: 'ref', call, node: target, from: node } : { kind: 'ref', call, from: node };
      }
    }
    // A source() rendering found (computed arguments, often inside a macro call's arguments): its
    // spans are the whole call that led to it, so the macro's name there is the macro's to answer for.
    for (const call of node.sources) if (call.literal === false && within(call.callSpan, offset)) return sourceAt(call);
  }
  const inMacroFile = macroFileTargetAt(analysis, file, offset);
  if (inMacroFile) return inMacroFile;
  // yml: `- name: model` entries point at their node.
  for (const node of project.nodes.values()) {
    if (node.yml?.file === file && within(node.yml.span, offset) && node.resourceType !== 'test') return { kind: 'yml-node', node, span: node.yml.span };
  }
  return undefined;
}

/**
 * In a macro file: a `ref('name')`, `source('a', 'b')` or macro call written there with literal
 * names (spellbook's model-building macros read fixed models this way). Only what resolves is
 * answered: a macro's ref is resolved where the macro runs, so an unknown name here says nothing.
 */
function macroFileTargetAt(analysis: Analysis, file: string, offset: number): Target | undefined {
  const f = analysis.project.files.get(file);
  if (f?.kind !== 'macro' || f.text === undefined) return undefined;
  const scanned = scan(f.text);
  const packageName = (): string => {
    for (const block of f.blocks) {
      if (block.kind !== 'macro') continue;
      const macro = analysis.project.macros.get(block.name)?.find((m) => m.file === file);
      if (macro) return macro.packageName;
    }
    return analysis.project.config.name;
  };
  for (const call of scanned.refs) {
    if (!within(call.span, offset) && !within(call.callSpan, offset)) continue;
    const node = analysis.graph.resolveRef(call.name, call.packageName, call.version, packageName());
    return node ? { kind: 'ref', call, node } : undefined;
  }
  for (const call of scanned.sources) {
    if (!within(call.sourceSpan, offset) && !within(call.tableSpan, offset) && !within(call.callSpan, offset)) continue;
    const node = analysis.graph.resolveSource(call.source, call.table, packageName());
    return node ? { kind: 'source', call, part: within(call.sourceSpan, offset) ? 'source' : 'table', node } : undefined;
  }
  for (const call of scanned.macroCalls) {
    if (!within(call.span, offset)) continue;
    const macro = findMacro(analysis, call.name);
    return macro ? { kind: 'macro', name: call.name, span: call.span, macro } : undefined;
  }
  return undefined;
}

/** `name`, `pkg.name` or `dbt.name`: the project's macro of that name, if any. */
export function findMacro(analysis: Analysis, name: string): MacroDefinition | undefined {
  const parts = name.split('.');
  const bare = parts[parts.length - 1]!;
  const list = analysis.project.macros.get(bare);
  if (!list || list.length === 0) return undefined;
  if (parts.length === 2) return list.find((m) => m.packageName === parts[0]) ?? (parts[0] === 'dbt' ? undefined : list[0]);
  return list.find((m) => m.packageName === analysis.project.config.name) ?? list[0];
}

export function definitionOf(analysis: Analysis, file: string, offset: number): Location | undefined {
  const t = targetAt(analysis, file, offset);
  if (!t) return undefined;
  switch (t.kind) {
    case 'ref':
      return t.node ? nodeLocation(t.node) : undefined;
    case 'source':
      return t.node ? { file: t.node.file, ...(t.node.nameSpan ? { span: t.node.nameSpan } : {}) } : undefined;
    case 'macro':
      return t.macro ? { file: t.macro.file, span: t.macro.block.nameSpan } : undefined;
    case 'yml-node':
      return t.node.resourceType === 'source' ? undefined : nodeLocation(t.node);
  }
}

/** Where a node is defined: its block name for snapshots, else its file. */
export function nodeLocation(node: ProjectNode): Location {
  if (node.resourceType === 'source' || node.snapshotRelation !== undefined) return { file: node.file, ...(node.nameSpan ? { span: node.nameSpan } : {}) };
  if (node.nameSpan && node.resourceType === 'snapshot') return { file: node.file, span: node.nameSpan };
  return { file: node.file };
}

/** What the editor's questions would otherwise compute on first use (idle-time work for the language server). */
export function prepareQueries(analysis: Analysis): void {
  nodeRanks(analysis);
}

/** Each node's position in the project's node order (which edits never change), per analysis. */
const ranks = new WeakMap<Analysis['project'], Map<string, number>>();

function nodeRanks(analysis: Analysis): Map<string, number> {
  let rank = ranks.get(analysis.project);
  if (!rank) {
    rank = new Map();
    let i = 0;
    for (const id of analysis.project.nodes.keys()) rank.set(id, i++);
    ranks.set(analysis.project, rank);
  }
  return rank;
}

/**
 * Models, seeds, snapshots and sources downstream of a node (tests and unit tests not counted).
 * Tests are leaves: they are passed over without being walked.
 */
function downstreamCount(analysis: Analysis, id: string): number {
  const { graph } = analysis;
  const seen = new Set<string>([id]);
  const stack = [id];
  let count = 0;
  while (stack.length > 0) {
    for (const child of graph.children.get(stack.pop()!) ?? []) {
      const test = child.startsWith('test.') || child.startsWith('unit_test.');
      if (test && !graph.children.has(child)) continue;
      if (seen.has(child)) continue;
      seen.add(child);
      if (!test) count++;
      stack.push(child);
    }
  }
  return count;
}

/** Refs to `target` that rendering found with no literal name at their call (a loop variable, a computed name). */
function renderedRefsTo(analysis: Analysis, target: ProjectNode): Array<{ node: ProjectNode; call: RefCall }> {
  const out: Array<{ node: ProjectNode; call: RefCall }> = [];
  for (const id of analysis.graph.children.get(target.uniqueId) ?? []) {
    const node = analysis.project.nodes.get(id);
    if (!node) continue;
    for (const call of node.refs) {
      if (call.literal === false && analysis.graph.resolveRef(call.name, call.packageName, call.version, node.packageName) === target) out.push({ node, call });
    }
  }
  return out;
}

/** The root project's macros a node's render reached (`parsed.uses`), by name. */
function usedMacros(analysis: Analysis, node: ProjectNode): string[] {
  const root = analysis.project.config.name;
  const names: string[] = [];
  for (const id of node.parsed?.uses ?? []) {
    const [kind, pkg, name] = id.split('.');
    if (kind === 'macro' && pkg === root && name !== undefined) names.push(name);
  }
  return names;
}

/**
 * Literal `ref('name')` calls that resolve to `target` in the root project's macros named, and in
 * the root macros those call, transitively (a call between macros of one file is not recorded in
 * a node's uses; a branch the render did not take still names the model literally). Package
 * macros are left out: their files are fetched code, not the project's to edit. `scans` keeps
 * each file's scan across one request.
 */
function macroRefsTo(analysis: Analysis, names: Iterable<string>, target: ProjectNode, scans: Map<string, ScanResult>): Location[] {
  const { project } = analysis;
  const root = project.config.name;
  const scanOf = (file: string): ScanResult | undefined => {
    const text = project.files.get(file)?.text;
    if (text === undefined) return undefined;
    let scanned = scans.get(file);
    if (!scanned) scans.set(file, (scanned = scan(text)));
    return scanned;
  };
  const reached = new Map<string, MacroDefinition>();
  const queue = [...names];
  while (queue.length > 0) {
    const called = queue.pop()!;
    const dot = called.indexOf('.');
    if (dot !== -1 && called.slice(0, dot) !== root) continue;
    const name = called.slice(dot + 1);
    if (reached.has(name)) continue;
    const macro = project.macros.get(name)?.find((m) => m.packageName === root);
    if (!macro) continue;
    reached.set(name, macro);
    for (const call of scanOf(macro.file)?.macroCalls ?? []) if (within(macro.block.span, call.span.start)) queue.push(call.name);
  }
  const out: Location[] = [];
  for (const macro of reached.values()) {
    for (const call of scanOf(macro.file)?.refs ?? []) {
      if (within(macro.block.span, call.callSpan.start) && analysis.graph.resolveRef(call.name, call.packageName, call.version, root) === target) out.push({ file: macro.file, span: call.span });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span!.start - b.span!.start));
}

/** Spans of `'name'` / `"name"` (the inside of the quotes) in a text. */
function quotedLiterals(text: string, name: string): Span[] {
  const spans: Span[] = [];
  for (const quote of ["'", '"']) {
    const needle = quote + name + quote;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) spans.push({ start: at + 1, end: at + 1 + name.length });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Every place that names `target`: refs/sources in SQL and yml, and its yml entry. */
export function referencesTo(analysis: Analysis, target: ProjectNode, includeDeclaration: boolean): Location[] {
  const out: Location[] = [];
  const { graph } = analysis;
  // Whatever refers to the target depends on it: its children, in the order of the project's nodes.
  const rank = nodeRanks(analysis);
  const referring = (graph.children.get(target.uniqueId) ?? [])
    .map((id) => analysis.project.nodes.get(id))
    .filter((n): n is ProjectNode => n !== undefined)
    .sort((a, b) => rank.get(a.uniqueId)! - rank.get(b.uniqueId)!);
  const inMacros = new Map<string, ScanResult>();
  for (const node of referring) {
    for (const call of node.refs) {
      if (graph.resolveRef(call.name, call.packageName, call.version, node.packageName) === target) out.push(call.literal === false ? { file: node.file, span: call.span, computed: true } : { file: node.file, span: call.span });
    }
    for (const call of node.sources) {
      if (graph.resolveSource(call.source, call.table, node.packageName) === target) out.push({ file: node.file, span: call.tableSpan });
    }
    // The `ref('a')` written in a macro the node called (`{{ from_a() }}`): where the name is.
    if (target.resourceType !== 'source') out.push(...macroRefsTo(analysis, usedMacros(analysis, node), target, inMacros));
  }
  if (includeDeclaration) {
    if (target.yml) out.push({ file: target.yml.file, span: target.yml.span });
    if (target.resourceType !== 'source') out.push(nodeLocation(target));
  }
  // One location per place (a relationships test and its yml entry may coincide).
  const seen = new Set<string>();
  return out.filter((l) => {
    const key = `${l.file}:${l.span?.start ?? -1}:${l.span?.end ?? -1}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The node a position is about, for references and rename: a ref's target, a yml entry, or the model file itself. */
export function subjectAt(analysis: Analysis, file: string, offset: number): ProjectNode | undefined {
  const t = targetAt(analysis, file, offset);
  if (t?.kind === 'ref' || t?.kind === 'source') return t.node;
  if (t?.kind === 'yml-node') return t.node;
  const own = nodesInFile(analysis, file).filter((n) => n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot');
  return own.length === 1 ? own[0] : undefined;
}

export interface TextEdit {
  file: string;
  span: Span;
  newText: string;
}

export interface RenameResult {
  edits: TextEdit[];
  /** The model's file, renamed to match (dbt names models by file). */
  fileRename?: { from: string; to: string };
  problem?: string;
  /** Files whose refs to the node are computed at render time with no literal name to update (the rename is refused). */
  cannotUpdate?: string[];
}

export function renameModel(analysis: Analysis, node: ProjectNode, newName: string): RenameResult {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return { edits: [], problem: `'${newName}' is not a valid model name (letters, digits and _)` };
  if (node.resourceType !== 'model' && node.resourceType !== 'seed' && node.resourceType !== 'snapshot') return { edits: [], problem: 'Only models, seeds and snapshots can be renamed' };
  if (analysis.graph.refTargets.has(newName)) return { edits: [], problem: `A node named '${newName}' already exists` };
  const edits: TextEdit[] = [];
  const cannotUpdate = new Set<string>();
  const inMacros = new Map<string, ScanResult>();
  for (const { node: from, call } of renderedRefsTo(analysis, node)) {
    // Rendering found the ref where the text names no literal: a quoted name in that file (a
    // list the loop walks) is what to edit, else the literal ref() in the macros called at the
    // ref's call and those they call; without either, the rename cannot keep the graph.
    const text = analysis.project.files.get(from.file)?.text ?? '';
    const spans = quotedLiterals(text, node.name);
    for (const span of spans) edits.push({ file: from.file, span, newText: newName });
    if (spans.length > 0) continue;
    const calledThere = sqlCallsOf(analysis.project, from).macroCalls.filter((m) => call.callSpan.end > call.callSpan.start && within(call.callSpan, m.span.start));
    const inMacro = macroRefsTo(analysis, calledThere.map((m) => m.name), node, inMacros);
    if (inMacro.length === 0) cannotUpdate.add(from.file);
    for (const loc of inMacro) edits.push({ file: loc.file, span: loc.span!, newText: newName });
  }
  if (cannotUpdate.size > 0) {
    const files = [...cannotUpdate].sort();
    return { edits: [], cannotUpdate: files, problem: `Cannot rename '${node.name}': ${files.join(', ')} ${files.length === 1 ? 'refers' : 'refer'} to it by a name computed at render time (no literal '${node.name}' there to update); change ${files.length === 1 ? 'it' : 'them'} by hand first` };
  }
  for (const loc of referencesTo(analysis, node, false)) if (loc.span && !loc.computed) edits.push({ file: loc.file, span: loc.span, newText: newName });
  if (node.yml) edits.push({ file: node.yml.file, span: node.yml.span, newText: newName });
  if (node.resourceType === 'snapshot' && node.nameSpan) {
    edits.push({ file: node.file, span: node.nameSpan, newText: newName });
    return { edits: distinctEdits(edits) };
  }
  const dir = node.file.slice(0, node.file.lastIndexOf('/') + 1);
  const ext = node.file.slice(node.file.lastIndexOf('.'));
  return { edits: distinctEdits(edits), fileRename: { from: node.file, to: `${dir}${newName}${ext}` } };
}

/** One edit per place (a literal may be found both as a ref and as a name a loop walks). */
function distinctEdits(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.file}:${e.span.start}:${e.span.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export type CompletionKind = 'model' | 'seed' | 'snapshot' | 'source' | 'table' | 'macro' | 'column';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  /** Text to insert when it differs from the label (macro snippets). */
  insertText?: string;
  /** Order among the items (models the layer rules allow first); the label when absent. */
  sortText?: string;
  snippet?: boolean;
}

/** Completion from the text before the cursor: names inside ref('/source('…'), else macros. */
export function completionsAt(analysis: Analysis, text: string, offset: number, file?: string): CompletionItem[] {
  const before = text.slice(Math.max(0, offset - 300), offset);
  const { graph, project } = analysis;
  if (/\bref\(\s*['"][\w.]*$/.test(before)) {
    // What the layer rules allow this model to read comes first; what they forbid last, saying why.
    const layer = file ? nodesInFile(analysis, file).find((n) => n.resourceType === 'model' || n.resourceType === 'snapshot')?.layer : undefined;
    return [...graph.refTargets.values()].map((n) => {
      const why = layerProblem(graph, layer, n.layer);
      return {
        label: n.name,
        kind: n.resourceType === 'model' ? 'model' : n.resourceType === 'seed' ? 'seed' : 'snapshot',
        detail: `${n.resourceType}${n.layer ? ` · ${n.layer}` : ''} · ${n.config.materialized}${why ? ` · layer rules: ${why}` : ''}`,
        sortText: `${String(layerFit(graph, layer, n.layer)).padStart(3, '0')}${n.name}`,
        ...(n.description ? { documentation: n.description } : {}),
      };
    });
  }
  const tableOf = /\bsource\(\s*['"](\w+)['"]\s*,\s*['"]\w*$/.exec(before);
  if (tableOf) {
    return [...graph.sourceTables.values()]
      .filter((n) => n.source!.sourceName === tableOf[1])
      .map((n) => ({ label: n.name, kind: 'table' as const, detail: `source table${n.layer ? ` · ${n.layer}` : ''}`, ...(n.description ? { documentation: n.description } : {}) }));
  }
  if (/\bsource\(\s*['"]\w*$/.test(before)) {
    const names = [...new Set([...graph.sourceTables.values()].map((n) => n.source!.sourceName))];
    return names.map((name) => ({ label: name, kind: 'source' as const, detail: 'source' }));
  }
  const configCall = /\bconfig\(([^()]*)$/.exec(before);
  if (configCall) {
    const value = /(\w+)\s*=\s*['"]?(\w*)$/.exec(configCall[1]!);
    if (value && CONFIG_VALUES[value[1]!]) return CONFIG_VALUES[value[1]!]!.map((v) => ({ label: v, kind: 'column' as const, detail: `${value[1]} value` }));
    if (/(^|,)\s*\w*$/.test(configCall[1]!)) {
      return Object.entries(CONFIG_KEYS).map(([key, doc]) => ({ label: key, kind: 'column' as const, detail: 'config', documentation: doc, insertText: `${key}=`, snippet: false }));
    }
  }
  // Columns of the models this file reads, after a `.` or where a column may start (documented in yml).
  const columnContext = /(?:select|,|where|and|or|by|on)\s+(\w*)$/i.exec(before) ?? /\b\w+\.(\w*)$/.exec(before);
  if (columnContext && file !== undefined) {
    const items = new Map<string, CompletionItem>();
    for (const node of nodesInFile(analysis, file)) {
      for (const parentId of node.dependsOn) {
        const parent = analysis.project.nodes.get(parentId);
        for (const c of parent?.columns ?? []) {
          if (!items.has(c.name)) items.set(c.name, { label: c.name, kind: 'column', detail: `${parent!.name}${c.dataType ? ` · ${c.dataType}` : ''}`, ...(c.description ? { documentation: c.description } : {}) });
        }
      }
    }
    if (items.size > 0) return [...items.values()];
  }
  if (/\{\{[^}]*$|\{%[^%]*$/.test(before)) {
    const items: CompletionItem[] = [];
    for (const list of project.macros.values()) {
      for (const m of list) {
        if (m.name.startsWith('test_') || m.name.startsWith('materialization_')) continue;
        const params = m.block.params.map((p, i) => (p.defaultText === undefined ? `\${${i + 1}:${p.name}}` : null)).filter(Boolean);
        items.push({
          label: m.name,
          kind: 'macro',
          detail: `macro ${m.name}(${m.block.params.map((p) => (p.defaultText === undefined ? p.name : `${p.name}=${p.defaultText}`)).join(', ')})`,
          documentation: `${m.packageName} · ${m.file}`,
          insertText: `${m.name}(${params.join(', ')})`,
          snippet: true,
        });
      }
    }
    return items;
  }
  return [];
}

/** The config() keys users write most, with what they do. */
const CONFIG_KEYS: Record<string, string> = {
  materialized: 'How the model is built: view, table, incremental, ephemeral',
  schema: 'Custom schema (combined with the target schema by generate_schema_name)',
  database: 'Custom database or catalog',
  alias: 'Relation name, instead of the model name',
  tags: 'Tags for selection (tag:x)',
  enabled: 'false to disable the model',
  unique_key: 'Key column(s) for incremental merge and delete+insert',
  incremental_strategy: 'append, merge, delete+insert, insert_overwrite',
  on_schema_change: 'ignore, fail, append_new_columns, sync_all_columns',
  full_refresh: 'false to never rebuild on --full-refresh',
  partition_by: 'Partition column(s)',
  cluster_by: 'Clustering column(s)',
  meta: 'Free-form metadata',
  layer: 'Medallion layer: landing, bronze, silver, gold',
  pre_hook: 'SQL run before the model',
  post_hook: 'SQL run after the model',
  persist_docs: 'Write descriptions as comments',
};

const CONFIG_VALUES: Record<string, string[]> = {
  materialized: ['view', 'table', 'incremental', 'ephemeral'],
  incremental_strategy: ['append', 'merge', 'delete+insert', 'insert_overwrite'],
  on_schema_change: ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'],
  layer: ['landing', 'bronze', 'silver', 'gold'],
};

/** Columns of a node as the target engine knows them (the column model), when known. */
export type ColumnsOf = (node: ProjectNode) => ReadonlyArray<{ name: string; type?: string }> | undefined;

/** Markdown for a hover over a ref, source, macro or yml entry. */
export function hoverAt(analysis: Analysis, file: string, offset: number, relationFor?: (node: ProjectNode) => string | string[] | undefined, columnsOf?: ColumnsOf): { markdown: string; span: Span } | undefined {
  const t = targetAt(analysis, file, offset);
  if (!t) return undefined;
  if (t.kind === 'macro') {
    if (!t.macro) return undefined;
    const params = t.macro.block.params.map((p) => (p.defaultText === undefined ? p.name : `${p.name}=${p.defaultText}`)).join(', ');
    return { markdown: `**macro** \`${t.macro.name}(${params})\`\n\n${t.macro.packageName} · \`${t.macro.file}\``, span: t.span };
  }
  const node = t.node;
  const span = t.kind === 'ref' ? t.call.span : t.kind === 'source' ? (t.part === 'source' ? t.call.sourceSpan : t.call.tableSpan) : t.span;
  if (!node) return { markdown: t.kind === 'ref' ? `No model, seed or snapshot named \`${t.call.name}\`` : 'Unknown', span };
  return { markdown: describeNode(analysis, node, relationFor, columnsOf), span };
}

export function describeNode(analysis: Analysis, node: ProjectNode, relationFor?: (node: ProjectNode) => string | string[] | undefined, columnsOf?: ColumnsOf): string {
  const up = analysis.graph.upstream(node.uniqueId).size;
  const down = downstreamCount(analysis, node.uniqueId);
  const title = node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name;
  const lines = [`**${node.resourceType}** \`${title}\`${node.layer ? ` · ${node.layer}` : ''}${node.resourceType === 'model' ? ` · ${node.config.materialized}` : ''}`];
  if (node.description) lines.push('', renderDescription(analysis, node.description, node.packageName).trim());
  const relation = relationFor?.(node);
  if (typeof relation === 'string') lines.push('', `Relation: \`${relation}\``);
  else if (relation?.length) lines.push('', ...relation.map((r) => `- ${r}`));
  const landing = (node.config.meta.landing as { location?: string } | undefined)?.location;
  if (landing) lines.push('', `Landing: \`${landing}\``);
  // The engine's columns and types when known, with yml's descriptions; else what yml declares.
  const known = columnsOf?.(node);
  const rows = known?.length ? known.map((c) => ({ name: c.name, type: c.type, description: node.columns.find((y) => y.name.toLowerCase() === c.name.toLowerCase())?.description })) : node.columns.map((c) => ({ name: c.name, type: c.dataType, description: c.description }));
  if (rows.length > 0) {
    lines.push('', '| column | type | description |', '|---|---|---|');
    for (const c of rows) lines.push(`| ${c.name} | ${c.type ?? ''} | ${renderDescription(analysis, c.description ?? '', node.packageName).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  }
  lines.push('', `↑ ${up} upstream · ↓ ${down} downstream · \`${node.file}\``);
  return lines.join('\n');
}

/**
 * A description as dbt's docs render it: `{{ doc('name') }}` (or `doc('package', 'name')`) is
 * the docs block's text; `var()` reads the project's vars. Anything else that fails to render is
 * shown as written.
 */
export function renderDescription(analysis: Analysis, text: string, packageName: string): string {
  if (!text.includes('{{') && !text.includes('{%')) return text;
  const { template, diagnostics } = parse(text);
  if (diagnostics.length > 0) return text;
  const project = analysis.project;
  const doc = (...args: unknown[]): string => {
    const names = args.filter((a) => typeof a === 'string') as string[];
    const name = names[names.length - 1] ?? '';
    const pkg = names.length > 1 ? names[0] : undefined;
    const blocks = project.docs.get(name) ?? [];
    const block = pkg ? blocks.find((b) => b.packageName === pkg) : (blocks.find((b) => b.packageName === packageName) ?? blocks.find((b) => b.packageName === project.config.name) ?? blocks[0]);
    if (!block) throw new Error(`Documentation for '${name}' not found`);
    return block.text;
  };
  const vars = project.config.vars;
  const out = render(template, { doc, var: (name: unknown, fallback: unknown = '') => (String(name) in vars ? vars[String(name)] : fallback), env_var: (_name: unknown, fallback: unknown = '') => fallback });
  return out.error ? text : out.output;
}

export interface Lens {
  span: Span;
  title: string;
  command: string;
  args: unknown[];
}

/** Lenses at the top of a model file: run, run with upstream, compile, and the lineage counts. */
export function lensesFor(analysis: Analysis, file: string): Lens[] {
  const lenses: Lens[] = [];
  for (const node of nodesInFile(analysis, file)) {
    if (node.resourceType !== 'model' && node.resourceType !== 'snapshot' && node.resourceType !== 'seed') continue;
    const span = node.nameSpan ?? { start: 0, end: 0 };
    const up = analysis.graph.upstream(node.uniqueId).size;
    const down = downstreamCount(analysis, node.uniqueId);
    lenses.push({ span, title: '▶ Run', command: 'medallion.runModel', args: [node.uniqueId] });
    lenses.push({ span, title: 'Run with upstream', command: 'medallion.runModelWithUpstream', args: [node.uniqueId] });
    lenses.push({ span, title: 'Compile', command: 'medallion.compileModel', args: [node.uniqueId] });
    lenses.push({ span, title: `↑ ${up} upstream · ↓ ${down} downstream`, command: 'medallion.showLineage', args: [node.uniqueId] });
  }
  return lenses;
}
