/**
 * Editor questions answered from an Analysis, in core terms (files and spans): what is at a
 * position, where it is defined, who refers to it, what to complete, what to show on hover,
 * which lenses to draw, how to rename. The language server converts these to LSP at its edge.
 */
import { adapterTypeNames } from './compiler/context';
import { configKeys, type ConfigResource } from './config-keys';
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
  | { kind: 'macro'; name: string; span: Span; macro?: MacroDefinition; from?: ProjectNode }
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
        return macro ? { kind: 'macro', name: call.name, span: call.span, macro, from: node } : { kind: 'macro', name: call.name, span: call.span, from: node };
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

/**
 * F12's answers: `definitionOf`'s, and on a macro call in a model, after the macro, the nodes the
 * model's render reached through that call, for this caller (`ref('dex_' ~ chain ~ '_trades')` in
 * the macro, `chain` given by this model; or a name written in the macro): the render recorded each
 * ref it found with no name written in the model, with the call that led to it as its span.
 */
export function definitionsOf(analysis: Analysis, file: string, offset: number): Location[] {
  const first = definitionOf(analysis, file, offset);
  const t = first ? targetAt(analysis, file, offset) : undefined;
  if (!first || t?.kind !== 'macro' || !t.from) return first ? [first] : [];
  const out: Location[] = [first];
  const seen = new Set<string>();
  for (const call of t.from.refs) {
    if (call.literal !== false || !within(call.callSpan, t.span.start) || !within(call.callSpan, t.span.end)) continue;
    const node = analysis.graph.resolveRef(call.name, call.packageName, call.version, t.from.packageName);
    if (!node || seen.has(node.uniqueId)) continue;
    seen.add(node.uniqueId);
    out.push({ ...nodeLocation(node), computed: true });
  }
  return out;
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
    const text = project.files.get(macro.file)?.text ?? '';
    for (const call of scanOf(macro.file)?.macroCalls ?? []) if (within(macro.block.span, call.span.start)) queue.push(...calledMacroNames(analysis, text, call));
  }
  const out: Location[] = [];
  for (const macro of reached.values()) {
    for (const call of scanOf(macro.file)?.refs ?? []) {
      if (within(macro.block.span, call.callSpan.start) && analysis.graph.resolveRef(call.name, call.packageName, call.version, root) === target) out.push({ file: macro.file, span: call.span });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span!.start - b.span!.start));
}

/**
 * The macros a call may run: the name called, or for `adapter.dispatch('x', ...)` with a literal
 * name the implementations dbt's dispatch picks from (`<adapter>__x` for the target's adapter and
 * its parents, then `default__x`): a render records the ref at the dispatching call, the literal
 * is in the implementation.
 */
function calledMacroNames(analysis: Analysis, text: string, call: { name: string; span: Span }): string[] {
  if (call.name !== 'adapter.dispatch') return [call.name];
  const dispatched = /^\s*\(\s*(?:macro_name\s*=\s*)?(['"])(\w+)\1/.exec(text.slice(call.span.end, call.span.end + 200))?.[2];
  if (dispatched === undefined) return [];
  const type = analysis.project.target?.type;
  return [...(type ? adapterTypeNames(type) : []), 'default'].map((prefix) => `${prefix}__${dispatched}`);
}

/**
 * Literal `ref()` calls naming `target` in every macro file (a text scan, whether or not a render
 * reached them): the root project's as locations to edit, packages' as the files holding one. A
 * call names the target when it resolves to it from the root project or from the macro's own
 * package (a macro renders in the namespace of whichever node calls it).
 */
function literalMacroRefs(analysis: Analysis, target: ProjectNode, scans: Map<string, ScanResult>): { project: Location[]; packages: string[] } {
  const { project, graph } = analysis;
  const root = project.config.name;
  const files = new Map<string, string>();
  for (const list of project.macros.values()) for (const m of list) if (m.file && !files.has(m.file)) files.set(m.file, m.packageName);
  const out: Location[] = [];
  const packages: string[] = [];
  for (const [file, pkg] of files) {
    const text = project.files.get(file)?.text;
    // A cheap test first: most macro files never name the target.
    if (text === undefined || !text.includes(target.name)) continue;
    let scanned = scans.get(file);
    if (!scanned) scans.set(file, (scanned = scan(text)));
    const naming = scanned.refs.filter((call) => call.name === target.name && (graph.resolveRef(call.name, call.packageName, call.version, root) === target || graph.resolveRef(call.name, call.packageName, call.version, pkg) === target));
    if (naming.length === 0) continue;
    if (pkg === root) for (const call of naming) out.push({ file, span: call.span });
    else packages.push(file);
  }
  return { project: out, packages: packages.sort() };
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
    const inMacro = macroRefsTo(analysis, calledThere.flatMap((m) => calledMacroNames(analysis, text, m)), node, inMacros);
    if (inMacro.length === 0) cannotUpdate.add(from.file);
    for (const loc of inMacro) edits.push({ file: loc.file, span: loc.span!, newText: newName });
  }
  // Literal refs in macro files, reached by a render or not (a branch no render took, a macro no
  // model calls yet): the project's are edited, a package's cannot be (fetched code, not ours).
  const literal = literalMacroRefs(analysis, node, inMacros);
  if (cannotUpdate.size > 0 || literal.packages.length > 0) {
    const files = [...cannotUpdate].sort();
    const problems = [
      ...(files.length > 0 ? [`${files.join(', ')} ${files.length === 1 ? 'refers' : 'refer'} to it by a name computed at render time (no literal '${node.name}' there to update); change ${files.length === 1 ? 'it' : 'them'} by hand first`] : []),
      ...(literal.packages.length > 0 ? [`the package macro file${literal.packages.length === 1 ? '' : 's'} ${literal.packages.join(', ')} ${literal.packages.length === 1 ? 'holds' : 'hold'} a literal ref('${node.name}') to it (not the project's to edit)`] : []),
    ];
    return { edits: [], cannotUpdate: [...files, ...literal.packages], problem: `Cannot rename '${node.name}': ${problems.join('; and ')}` };
  }
  for (const loc of literal.project) edits.push({ file: loc.file, span: loc.span!, newText: newName });
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

export type CompletionKind = 'model' | 'seed' | 'snapshot' | 'source' | 'table' | 'macro' | 'column' | 'package' | 'variable';

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

/**
 * Completion from the text before the cursor: names inside `ref('` (one item per name, the node
 * dbt resolves it to from this file's package: the root project first, then its own package, then
 * the only one) and `ref('pkg', '` (that package's), source names and tables, `var('` (the vars
 * this file's package sees), config keys and values, macros after `{{ ` (those callable without a
 * namespace here: the file's package's and the root project's; installed packages as namespaces)
 * and after `pkg.` (that package's), columns; in a properties yml, a model's `name:` and a
 * column's `name:`. Dispatch implementations (`default__x`, `duckdb__x`) are never offered: the
 * dispatching macro is what is called.
 */
export function completionsAt(analysis: Analysis, text: string, offset: number, file?: string): CompletionItem[] {
  const before = text.slice(Math.max(0, offset - 300), offset);
  const { graph, project } = analysis;
  if (file !== undefined && /\.ya?ml$/i.test(file)) return ymlCompletions(analysis, text, offset, file);
  const ownPackage = (file !== undefined ? nodesInFile(analysis, file)[0]?.packageName : undefined) ?? packageOfFile(analysis, file) ?? project.config.name;
  const qualified = /\bref\(\s*['"](\w+)['"]\s*,\s*['"][\w.]*$/.exec(before);
  const plainRef = !qualified && /\bref\(\s*['"][\w.]*$/.test(before);
  if (qualified || plainRef) {
    // What the layer rules allow this model to read comes first; what they forbid last, saying why.
    const layer = file ? nodesInFile(analysis, file).find((n) => n.resourceType === 'model' || n.resourceType === 'snapshot')?.layer : undefined;
    const items: CompletionItem[] = [];
    const packagesWithNodes = new Set<string>();
    for (const [key, byPackage] of graph.refLookup) {
      if (/\.v[^.]*$/.test(key) && graph.versions.has(key.replace(/\.v[^.]*$/, ''))) continue;
      const nodes = [...byPackage.values()];
      for (const n of nodes) packagesWithNodes.add(n.packageName);
      const n = qualified ? byPackage.get(qualified[1]!) : (byPackage.get(project.config.name) ?? byPackage.get(ownPackage) ?? (nodes.length === 1 ? nodes[0] : undefined));
      if (!n) {
        // Only in several other packages: ambiguous unqualified, so each is offered with its package.
        if (!qualified) for (const m of nodes) items.push(refItem(graph, layer, m, project.config.name, nodes, true));
        continue;
      }
      items.push(refItem(graph, layer, n, project.config.name, nodes, false));
    }
    if (plainRef) {
      for (const pkg of [...packagesWithNodes].sort()) {
        if (pkg === project.config.name) continue;
        items.push({ label: pkg, kind: 'package', detail: `package · ref('${pkg}', 'name') names one of its models`, sortText: `9${pkg}` });
      }
    }
    return items;
  }
  const tableOf = /\bsource\(\s*['"](\w+)['"]\s*,\s*['"]\w*$/.exec(before);
  if (tableOf) return sourceTableItems(analysis, tableOf[1]!, ownPackage);
  if (/\bsource\(\s*['"]\w*$/.test(before)) return sourceNameItems(analysis, ownPackage);
  if (/\bvar\(\s*['"]\w*$/.test(before)) return varCompletions(analysis, ownPackage);
  const configCall = openConfigCall(text.slice(Math.max(0, offset - 4000), offset));
  if (configCall) {
    const value = configCall.depth === 0 ? /(\w+)\s*=\s*['"]?(\w*)$/.exec(configCall.args) : null;
    if (value && CONFIG_VALUES[value[1]!]) return CONFIG_VALUES[value[1]!]!.map((v) => ({ label: v, kind: 'column' as const, detail: `${value[1]} value` }));
    if (configCall.keyword) {
      const resource = configResourceAt(analysis, file, text.slice(0, offset));
      const adapter = project.target?.type;
      return configKeys(resource, adapter)
        .filter((k) => !configCall.given.has(k.key))
        .map((k) => ({ label: k.key, kind: 'column' as const, detail: k.adapter ? `${k.adapter} config` : `${resource} config`, documentation: k.doc, insertText: `${k.key}=`, snippet: false, sortText: `${k.adapter ? '1' : '0'}${k.key}` }));
    }
    return [];
  }
  const inJinja = /\{\{[^}]*$|\{%[^%]*$/.test(before);
  // A package's macros after `pkg.` inside Jinja (dbt_utils.star).
  const namespace = inJinja ? /(?:^|[^\w.])(\w+)\.(\w*)$/.exec(before) : null;
  if (namespace && (project.packages.has(namespace[1]!) || namespace[1] === project.config.name || namespace[1] === 'dbt')) {
    return macroItems(analysis, (m) => m.packageName === namespace[1]);
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
  if (inJinja) {
    // Callable without a namespace: this package's macros, then the root project's (dbt's own are Medallion's builtins).
    const items = macroItems(analysis, (m) => m.packageName === ownPackage || m.packageName === project.config.name, (m) => (m.packageName === ownPackage ? '0' : '1'));
    const withMacros = new Set([...project.macros.values()].flatMap((list) => list.map((m) => m.packageName)));
    for (const pkg of [...project.packages.keys()].sort()) {
      if (pkg === ownPackage || !withMacros.has(pkg)) continue;
      items.push({ label: pkg, kind: 'package', detail: `package · its macros: ${pkg}.name()`, insertText: `${pkg}.`, sortText: `9${pkg}` });
    }
    return items;
  }
  return [];
}

/** One `ref('` item: the node, its package when not the root's, other packages defining the name, versions. */
/**
 * `source('`: one item per source name and package that defines it, naming the package. A name
 * several packages define is told apart: `source()` from this file reads a table from the root
 * project first, then this file's package, then any (dbt's resolve_source); that one comes
 * first, the others say whose table `source()` here reads instead.
 */
function sourceNameItems(analysis: Analysis, ownPackage: string): CompletionItem[] {
  const root = analysis.project.config.name;
  const groups = new Map<string, Map<string, number>>();
  for (const byPackage of analysis.graph.sourceLookup.values()) {
    for (const n of byPackage.values()) {
      const name = n.source!.sourceName;
      let packages = groups.get(name);
      if (!packages) groups.set(name, (packages = new Map()));
      packages.set(n.packageName, (packages.get(n.packageName) ?? 0) + 1);
    }
  }
  const items: CompletionItem[] = [];
  for (const [name, packages] of groups) {
    const preferred = packages.has(root) ? root : packages.has(ownPackage) ? ownPackage : undefined;
    for (const [pkg, tables] of packages) {
      const others = [...packages.keys()].filter((p) => p !== pkg);
      const parts = [`source · ${tables} table${tables === 1 ? '' : 's'}`, pkg === root ? `project ${pkg}` : `package ${pkg}`];
      if (others.length) parts.push(pkg === preferred ? `also in ${others.join(', ')}; source() here reads this one's tables first` : preferred ? `also in ${others.join(', ')}; source() here reads ${preferred}'s where both define a table` : `also in ${others.join(', ')}`);
      const rank = others.length === 0 || pkg === preferred ? 0 : 1;
      items.push({ label: name, kind: 'source', detail: parts.join(' · '), sortText: `${name}\u0000${rank}${pkg === root ? 0 : 1}${pkg}` });
    }
  }
  return items;
}

/**
 * `source('name', '`: that source's tables in every package, each the one `source()` reads from
 * this file (dbt's resolve_source), naming its package and any other package defining it too.
 */
function sourceTableItems(analysis: Analysis, sourceName: string, ownPackage: string): CompletionItem[] {
  const root = analysis.project.config.name;
  const items: CompletionItem[] = [];
  for (const byPackage of analysis.graph.sourceLookup.values()) {
    const first = byPackage.values().next().value;
    if (!first || first.source!.sourceName !== sourceName) continue;
    const n = analysis.graph.resolveSource(sourceName, first.name, ownPackage) ?? first;
    const others = [...byPackage.keys()].filter((p) => p !== n.packageName);
    const parts = ['source table', ...(n.layer ? [n.layer] : []), n.packageName === root ? `project ${n.packageName}` : `package ${n.packageName}`, ...(others.length ? [`also in ${others.join(', ')}`] : [])];
    items.push({ label: n.name, kind: 'table', detail: parts.join(' · '), ...(n.description ? { documentation: n.description } : {}) });
  }
  return items;
}

function refItem(graph: Analysis['graph'], layer: string | undefined, n: ProjectNode, root: string, all: ProjectNode[], ambiguous: boolean): CompletionItem {
  const why = layerProblem(graph, layer, n.layer);
  const versions = n.version !== undefined ? [...(graph.versions.get(n.name)?.keys() ?? [])] : [];
  const others = all.filter((m) => m !== n).map((m) => m.packageName);
  const parts = [
    n.resourceType,
    ...(n.packageName !== root ? [`package ${n.packageName}`] : []),
    ...(n.layer ? [n.layer] : []),
    n.config.materialized,
    ...(versions.length ? [`versions ${versions.map((v) => `v${v}`).join(', ')} (latest v${n.latestVersion ?? n.version}; ref('${n.name}', v=N) pins one)`] : []),
    ...(ambiguous ? [`also in ${others.join(', ')}: write ref('${n.packageName}', '${n.name}')`] : others.length ? [`also in ${others.join(', ')}`] : []),
    ...(why ? [`layer rules: ${why}`] : []),
  ];
  // The root project's nodes first, then packages'; within each, what the layer rules allow first.
  const order = `${n.packageName === root ? 0 : 1}${String(layerFit(graph, layer, n.layer)).padStart(3, '0')}`;
  return {
    label: n.name,
    kind: n.resourceType === 'model' ? 'model' : n.resourceType === 'seed' ? 'seed' : 'snapshot',
    detail: parts.join(' · '),
    sortText: `${order}${n.name}`,
    ...(ambiguous ? { insertText: `${n.packageName}', '${n.name}` } : {}),
    ...(n.description ? { documentation: n.description } : {}),
  };
}

/** The package a file belongs to (by its folder), when no node is defined in it. */
function packageOfFile(analysis: Analysis, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let best: { name: string; length: number } | undefined;
  for (const [name, config] of analysis.project.packages) {
    const dir = config.base;
    if (dir && (file === dir || file.startsWith(dir + '/')) && (!best || dir.length > best.length)) best = { name, length: dir.length };
  }
  return best?.name;
}

/** Adapters whose `<adapter>__x` macros are dispatch implementations even where `x` is dbt's own (`trino__get_grant_sql`). */
const ADAPTERS = new Set(['athena', 'bigquery', 'clickhouse', 'databricks', 'duckdb', 'fabric', 'glue', 'greenplum', 'hive', 'impala', 'materialize', 'mysql', 'oracle', 'postgres', 'redshift', 'risingwave', 'snowflake', 'spark', 'sqlite', 'sqlserver', 'starrocks', 'synapse', 'teradata', 'trino', 'presto', 'vertica']);

/** `x__name` where `name` is a macro too, `default__x` or `<adapter>__x`: a dispatch implementation, not called by name. */
function isDispatchImplementation(name: string, names: Map<string, MacroDefinition[]>): boolean {
  const m = /^([a-z0-9]+)__(\w+)$/.exec(name);
  return m !== null && (m[1] === 'default' || ADAPTERS.has(m[1]!) || names.has(m[2]!) || names.has(`default__${m[2]}`));
}

function macroItems(analysis: Analysis, keep: (m: MacroDefinition) => boolean, group: (m: MacroDefinition) => string = () => '0'): CompletionItem[] {
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const list of analysis.project.macros.values()) {
    for (const m of list) {
      if (!keep(m) || seen.has(m.name)) continue;
      if (m.name.startsWith('test_') || m.name.startsWith('materialization_') || isDispatchImplementation(m.name, analysis.project.macros)) continue;
      seen.add(m.name);
      const params = m.block.params.map((p, i) => (p.defaultText === undefined ? `\${${i + 1}:${p.name}}` : null)).filter(Boolean);
      items.push({
        label: m.name,
        kind: 'macro',
        detail: `macro ${m.name}(${m.block.params.map((p) => (p.defaultText === undefined ? p.name : `${p.name}=${p.defaultText}`)).join(', ')})`,
        documentation: `${m.packageName} · ${m.file}`,
        insertText: `${m.name}(${params.join(', ')})`,
        // Helpers named `_x` (private by convention) after the others.
        sortText: `${group(m)}${m.name.startsWith('_') ? '1' : '0'}${m.name}`,
        snippet: true,
      });
    }
  }
  return items;
}

/**
 * The vars `var('` can name in a file of `pkg`: the root project's global vars and those it scopes to
 * `pkg` (`vars: {pkg: {...}}`), then the package's own dbt_project.yml vars (dbt's precedence).
 */
function varCompletions(analysis: Analysis, pkg: string): CompletionItem[] {
  const { project } = analysis;
  const packageNames = new Set([project.config.name, ...project.packages.keys()]);
  const items = new Map<string, CompletionItem>();
  const add = (vars: unknown, where: string, scopedOnly: boolean): void => {
    if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) return;
    for (const [key, value] of Object.entries(vars as Record<string, unknown>)) {
      if (packageNames.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        if (key === pkg && !scopedOnly) add(value, `${where} (scoped to ${key})`, true);
        continue;
      }
      if (items.has(key)) continue;
      let shown: string;
      try {
        shown = JSON.stringify(value) ?? String(value);
      } catch {
        shown = String(value);
      }
      items.set(key, { label: key, kind: 'variable', detail: `var · ${where} · ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}` });
    }
  };
  add(project.config.vars, 'dbt_project.yml', false);
  if (pkg !== project.config.name) add(project.packages.get(pkg)?.vars, `${pkg}'s dbt_project.yml`, false);
  return [...items.values()];
}

/**
 * In a properties yml: after `- name:` under `models:` (and seeds, snapshots, analyses), the
 * package's nodes of that kind, those defined in this yml's folder and not yet named in it first;
 * under a model's `columns:`, the columns the yml does not name yet from `outputs` (the model's
 * output columns, when known), else nothing.
 */
export function ymlCompletions(analysis: Analysis, text: string, offset: number, file: string, outputs?: (node: ProjectNode) => string[] | undefined): CompletionItem[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset);
  const key = /^(\s*)(\w*)$/.exec(line);
  if (key) return ymlConfigKeys(analysis, text, lineStart, key[1]!.length);
  const m = /^(\s*)-\s+name:\s*['"]?(\w*)$/.exec(line);
  if (!m) return [];
  const indent = m[1]!.length;
  const parent = parentKey(text, lineStart, indent);
  if (!parent) return [];
  const pkg = packageOfFile(analysis, file) ?? analysis.project.config.name;
  if (parent.key === 'columns') {
    const owner = parentKey(text, parent.lineStart, parent.indent, true);
    const node = owner?.name !== undefined ? [...analysis.project.nodes.values()].find((n) => n.name === owner.name && n.packageName === pkg && n.yml?.file === file) : undefined;
    if (!node) return [];
    const named = new Set((node.columns ?? []).map((c) => c.name.toLowerCase()));
    return (outputs?.(node) ?? []).filter((c) => !named.has(c.toLowerCase())).map((c, i) => ({ label: c, kind: 'column' as const, detail: `column of ${node.name}`, sortText: String(i).padStart(5, '0') }));
  }
  const kinds: Record<string, string> = { models: 'model', seeds: 'seed', snapshots: 'snapshot', analyses: 'analysis' };
  const kind = kinds[parent.key];
  if (!kind || parent.indent !== 0) return [];
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const namedHere = new Set([...text.matchAll(/^\s*-\s+name:\s*['"]?(\w+)/gm)].map((x) => x[1]!));
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  // Disabled nodes too: a yml may document them (and a yml `config: enabled:` may be what disables them).
  const all = [...analysis.project.nodes.values(), ...[...analysis.project.disabled.values()].flat()];
  for (const n of all) {
    if (n.resourceType !== kind || n.packageName !== pkg || seen.has(n.name)) continue;
    seen.add(n.name);
    const here = n.file.startsWith(folder) && !n.file.slice(folder.length).includes('/');
    const documented = n.yml !== undefined && n.yml.file !== file;
    const disabled = !analysis.project.nodes.has(n.uniqueId) || analysis.project.nodes.get(n.uniqueId) !== n;
    items.push({
      label: n.name,
      kind: kind === 'seed' ? 'seed' : kind === 'snapshot' ? 'snapshot' : 'model',
      detail: `${n.file}${disabled ? ' · disabled' : ''}${documented ? ` · documented in ${n.yml!.file}` : ''}`,
      sortText: `${namedHere.has(n.name) ? 3 : documented ? 2 : here ? 0 : 1}${n.name}`,
    });
  }
  return items;
}

/**
 * A key begun under a model's, seed's or snapshot's `config:` in a properties yml: dbt's config
 * keys for that resource type and the profile adapter's (configKeys), those already under that
 * `config:` left out.
 */
function ymlConfigKeys(analysis: Analysis, text: string, lineStart: number, indent: number): CompletionItem[] {
  const config = parentKey(text, lineStart, indent);
  if (config?.key !== 'config' || indent <= config.indent) return [];
  const entry = parentKey(text, config.lineStart, config.indent, true);
  if (!entry) return [];
  const section = parentKey(text, entry.lineStart, entry.indent);
  const resources: Record<string, ConfigResource> = { models: 'model', seeds: 'seed', snapshots: 'snapshot' };
  const resource = section && section.indent === 0 ? resources[section.key] : undefined;
  if (!resource) return [];
  // The keys already given: lines at this indent below `config:`, up to the next less indented one.
  const given = new Set<string>();
  for (const l of text.slice(config.lineStart).split('\n').slice(1)) {
    if (!l.trim()) continue;
    const at = /^\s*/.exec(l)![0].length;
    if (at <= config.indent) break;
    const k = at === indent ? /^\s*([\w-]+)\s*:/.exec(l) : null;
    if (k) given.add(k[1]!.replace(/-/g, '_'));
  }
  return configKeys(resource, analysis.project.target?.type)
    .filter((k) => !given.has(k.key))
    .map((k) => ({ label: k.key, kind: 'column' as const, detail: k.adapter ? `${k.adapter} config` : `${resource} config`, documentation: k.doc, insertText: `${k.key}: `, snippet: false, sortText: `${k.adapter ? '1' : '0'}${k.key}` }));
}

/** The key a yml list item at `indent` belongs to (`models:` above it with less indent), or with `entry` the list entry holding that key (its `- name:`). */
function parentKey(text: string, lineStart: number, indent: number, entry = false): { key: string; name?: string; indent: number; lineStart: number } | undefined {
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    end = start - 1;
    if (!line.trim() || /^\s*#/.test(line)) continue;
    const own = /^(\s*)(-\s+)?/.exec(line)!;
    const at = own[1]!.length;
    // A list may sit at its key's indent (`models:` then `- name:` at column 0).
    const keyAtSameIndent = !entry && at === indent && !own[2] && /^\s*\w+:\s*$/.test(line);
    if (at >= indent && !keyAtSameIndent) continue;
    if (entry) {
      const named = /^\s*-\s+name:\s*['"]?(\w+)/.exec(line) ?? /^\s*name:\s*['"]?(\w+)/.exec(line);
      if (named) return { key: '', name: named[1]!, indent: at, lineStart: start };
      if (own[2]) return undefined;
      continue;
    }
    const key = /^\s*(\w+):\s*$/.exec(line);
    return key ? { key: key[1]!, indent: at, lineStart: start } : undefined;
  }
  return undefined;
}

/**
 * The `config(` call the cursor is inside (the last one still open in `before`), its argument
 * text, the bracket depth inside it (0: between its arguments), whether the cursor is where a
 * keyword argument's name goes (after `(` or a top-level `,`, outside strings and brackets,
 * with at most a name begun), and the keywords already given. Undefined outside any.
 */
export function openConfigCall(before: string): { args: string; depth: number; keyword: boolean; given: Set<string> } | undefined {
  // (depth counts brackets only: a value's string at depth 0 is still a top-level argument's.)
  const re = /\bconfig\(/g;
  let open: number | undefined;
  for (let m = re.exec(before); m; m = re.exec(before)) {
    const start = m.index + m[0].length;
    if (closesAt(before, start) < 0) open = start;
  }
  if (open === undefined) return undefined;
  const args = before.slice(open);
  let depth = 0;
  let lastSeparator = 0;
  const given = new Set<string>();
  const inString = outsideStrings(args, 0, (c, i) => {
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) lastSeparator = i + 1;
    else if (c === '=' && depth === 0 && args[i + 1] !== '=') {
      const name = /(\w+)\s*$/.exec(args.slice(lastSeparator, i));
      if (name) given.add(name[1]!);
    }
  }).inString;
  const keyword = !inString && depth === 0 && /^\s*\w*$/.test(args.slice(lastSeparator));
  return { args, depth, keyword, given };
}

/** Where the call whose arguments start at `start` closes (its `)`), or -1 when it is still open at the end. */
function closesAt(text: string, start: number): number {
  let depth = 1;
  return outsideStrings(text, start, (c) => {
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') return --depth === 0;
    return false;
  }).stoppedAt;
}

/**
 * Walks `text` from `start`, calling `visit` with each character outside Jinja/Python string
 * literals (a backslash escapes inside one) until it returns true: where it stopped (-1 at the
 * end) and whether the end is inside a string.
 */
function outsideStrings(text: string, start: number, visit: (c: string, i: number) => boolean | void): { stoppedAt: number; inString: boolean } {
  let quote = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (visit(c, i) === true) return { stoppedAt: i, inString: false };
  }
  return { stoppedAt: -1, inString: quote !== '' };
}

/** The resource type whose config() the cursor is in: the file's node (a snapshot block, a singular test), a generic test's block, else a model. */
function configResourceAt(analysis: Analysis, file: string | undefined, before: string): ConfigResource {
  const node = file !== undefined ? nodesInFile(analysis, file)[0] : undefined;
  if (node?.resourceType === 'snapshot' || node?.resourceType === 'test' || node?.resourceType === 'seed') return node.resourceType;
  // The innermost block tag open before the cursor, in a file no node was read from (a macro file's `{% test %}`).
  let open: ConfigResource = 'model';
  for (const m of before.matchAll(/\{%-?\s*(snapshot|test|endsnapshot|endtest)\b/g)) open = m[1] === 'snapshot' || m[1] === 'test' ? m[1] : 'model';
  return open;
}

/** The values dbt documents for a config key (docs.getdbt.com/reference/resource-configs/<key>). */
const CONFIG_VALUES: Record<string, string[]> = {
  materialized: ['view', 'table', 'incremental', 'ephemeral', 'materialized_view'],
  incremental_strategy: ['append', 'merge', 'delete+insert', 'insert_overwrite', 'microbatch'],
  on_schema_change: ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'],
  on_configuration_change: ['apply', 'continue', 'fail'],
  strategy: ['timestamp', 'check'],
  hard_deletes: ['ignore', 'invalidate', 'new_record'],
  access: ['private', 'protected', 'public'],
  on_error: ['skip_children', 'continue'],
  severity: ['error', 'warn'],
  store_failures_as: ['table', 'view', 'ephemeral'],
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
